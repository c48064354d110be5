import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CommitTemplateError,
  RemovedTemplateFieldError,
  TemplateUnsupportedError,
  checkCommitTemplate,
  renderCommitMessage,
  type CommitTemplateInput,
} from './commit-template.ts';

// Two files: a Deployment's image and a kustomization.yaml's newTag (an object without a name).
const input: CommitTemplateInput = {
  automation: { namespace: 'flux-system', name: 'app-update' },
  files: new Map([
    [
      'apps/kustomization.yaml',
      [
        {
          object: { APIVersion: 'kustomize.config.k8s.io/v1beta1', Kind: 'Kustomization', Name: '', Namespace: '' },
          changes: [{ OldValue: 'v1', NewValue: 'v2', Setter: 'flux-system:api:tag' }],
        },
      ],
    ],
    [
      'apps/deploy.yaml',
      [
        {
          object: { APIVersion: 'apps/v1', Kind: 'Deployment', Name: 'web', Namespace: 'apps' },
          changes: [
            { OldValue: 'ghcr.io/acme/web:1.0.0', NewValue: 'ghcr.io/acme/web:5.0.3', Setter: 'flux-system:web' },
          ],
        },
      ],
    ],
  ]),
  values: { cluster: 'prod' },
};

void test("Flux's default message when messageTemplate is empty", () => {
  assert.equal(renderCommitMessage(undefined, input), 'Update from image update automation');
  assert.equal(renderCommitMessage('', input), 'Update from image update automation');
});

void test("Flux's documented messageTemplate example (files and objects, sorted as Go ranges maps)", () => {
  // spec.git.commit.messageTemplate from docs/spec/v1/imageupdateautomations.md, as YAML's `|` block yields it.
  const template = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
  Changes:
{{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
{{ end -}}
{{ end -}}
`;
  assert.equal(
    renderCommitMessage(template, input),
    'Automated image update\n\nAutomation name: flux-system/app-update\n\nFiles:\n- apps/deploy.yaml\n- apps/kustomization.yaml\nObjects:\n- Deployment web\n  Changes:\n    - ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:5.0.3\n- Kustomization \n  Changes:\n    - v1 -> v2\n',
  );
});

void test("Flux's documented example with template functions (lower, contains, if/else)", () => {
  const template = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind | lower }} {{ $resource.Name | lower }}
  Changes:
{{- range $_, $change := $changes }}
  {{ if contains "5.0.3" $change.NewValue -}}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
  {{ else -}}
    [skip ci] wrong image
  {{ end -}}
{{ end -}}
{{ end -}}
`;
  assert.equal(
    renderCommitMessage(template, input),
    'Automated image update\n\nAutomation name: flux-system/app-update\n\nFiles:\n- apps/deploy.yaml\n- apps/kustomization.yaml\nObjects:\n- deployment web\n  Changes:\n  - ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:5.0.3\n  - kustomization \n  Changes:\n  [skip ci] wrong image\n  ',
  );
});

void test("Flux's documented .Values, Gitea (.Changed.Changes with print/println) and Gerrit (Change-Id) examples", () => {
  assert.equal(
    renderCommitMessage('Automated image update by Flux for cluster {{ .Values.cluster }}.', input),
    'Automated image update by Flux for cluster prod.',
  );
  assert.equal(
    renderCommitMessage('{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}', input),
    'ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:5.0.3\nv1 -> v2\n',
  );
  const gerrit = `Perform automatic image update

Automation name: {{ .AutomationObject }}

{{- $ChangeId := .AutomationObject -}}
{{- $ChangeId = printf "%s%s" $ChangeId ( .Changed.FileChanges | toString ) -}}
{{- $ChangeId = printf "%s%s" $ChangeId ( .Changed.Objects | toString ) -}}
{{- $ChangeId = printf "%s%s" $ChangeId ( .Changed.Changes | toString ) }}
Change-Id: {{ printf "I%s" ( sha256sum $ChangeId | trunc 40 ) }}
`;
  const files =
    'map[apps/deploy.yaml:map[{{{apps/v1 Deployment} {web apps}}}:[{ghcr.io/acme/web:1.0.0 ghcr.io/acme/web:5.0.3 flux-system:web}]] apps/kustomization.yaml:map[{{{kustomize.config.k8s.io/v1beta1 Kustomization} { }}}:[{v1 v2 flux-system:api:tag}]]]';
  const objects =
    'map[{{{apps/v1 Deployment} {web apps}}}:[{ghcr.io/acme/web:1.0.0 ghcr.io/acme/web:5.0.3 flux-system:web}] {{{kustomize.config.k8s.io/v1beta1 Kustomization} { }}}:[{v1 v2 flux-system:api:tag}]]';
  const changes = '[{ghcr.io/acme/web:1.0.0 ghcr.io/acme/web:5.0.3 flux-system:web} {v1 v2 flux-system:api:tag}]';
  const id = createHash('sha256')
    .update(`flux-system/app-update${files}${objects}${changes}`)
    .digest('hex')
    .slice(0, 40);
  assert.equal(
    renderCommitMessage(gerrit, input),
    `Perform automatic image update\n\nAutomation name: flux-system/app-update\nChange-Id: I${id}\n`,
  );
});

void test('Go semantics: missing map keys print <no value>, with/else, variables, break, parenthesised fields, printf verbs', () => {
  assert.equal(renderCommitMessage('[{{ .Values.nope }}]', input), '[<no value>]');
  assert.equal(renderCommitMessage('{{ with .Values.cluster }}on {{ . }}{{ else }}none{{ end }}', input), 'on prod');
  assert.equal(renderCommitMessage('{{ if eq .Values.cluster "dev" "prod" }}yes{{ end }}', input), 'yes');
  assert.equal(
    renderCommitMessage('{{ range .Changed.Changes }}{{ .Setter }}{{ break }}{{ end }}', input),
    'flux-system:web',
  );
  assert.equal(renderCommitMessage('{{ (index .Changed.Changes 1).NewValue }}', input), 'v2');
  assert.equal(
    renderCommitMessage('{{ len .Changed.FileChanges }} {{ printf "%q %5s|%-3d|" "a" "b" 7 }}', input),
    '2 "a"     b|7  |',
  );
  assert.equal(renderCommitMessage('{{/* a comment */}}x  {{- " y" -}}  z', input), 'x yz');
});

void test("an unknown field or function is an error with Go's wording; removed fields are named; unsupported constructs refused", () => {
  assert.throws(
    () => renderCommitMessage('{{ .Nope }}', input),
    (err: Error) =>
      err instanceof CommitTemplateError &&
      err.message ===
        'failed to run template from spec: template: commit message:1: executing "commit message" at <.Nope>: can\'t evaluate field Nope in type source.TemplateData',
  );
  assert.throws(
    () => renderCommitMessage('{{ nofunc 1 }}', input),
    /unable to create commit message template from spec: template: commit message:1: function "nofunc" not defined/,
  );
  assert.throws(() => renderCommitMessage('{{ if .Values }}', input), CommitTemplateError);
  assert.throws(() => renderCommitMessage('{{ range .Updated }}{{ end }}', input), RemovedTemplateFieldError);
  assert.throws(() => renderCommitMessage('{{ .Changed.ImageResult }}', input), RemovedTemplateFieldError);
  assert.throws(() => checkCommitTemplate('{{ define "x" }}y{{ end }}'), TemplateUnsupportedError);
  assert.throws(() => checkCommitTemplate('{{ semver "1.0.0" }}'), /"semver" .* is not supported/);
  assert.doesNotThrow(() => checkCommitTemplate('{{ .Nope }}'));
});
