// Flux's commit message template: Go text/template over TemplateData (.AutomationObject, .Changed with
// FileChanges/Changes/Objects, .Values), Flux's default message and its error wording.
import { renderTemplate, TemplateExecError } from './go-template/exec.ts';
import { TemplateParseError, TemplateUnsupportedError } from './go-template/parse.ts';
import { GoMap, GoStruct } from './go-template/values.ts';
import type { ObjectId, SetterChange } from './setters.ts';
import type { ObjectChanges } from './update-files.ts';

/** Flux's message when spec.git.commit.messageTemplate is empty. */
export const DefaultMessageTemplate = 'Update from image update automation';

/** The template uses a field Flux removed (`.Updated`, `.Changed.ImageResult`): Flux stalls with RemovedTemplateField. */
export class RemovedTemplateFieldError extends Error {
  override readonly name = 'RemovedTemplateFieldError';
}

/** The template is not valid, or failed while running (Flux's "unable to create…" / "failed to run…"). */
export class CommitTemplateError extends Error {
  override readonly name = 'CommitTemplateError';
}

/** The template uses a construct Driftless does not implement (refused by name: NotSupported). */
export { TemplateUnsupportedError };

class NamespacedName extends GoStruct {
  readonly goType = 'types.NamespacedName';
  constructor(
    readonly namespace: string,
    readonly name: string,
  ) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['Namespace', this.namespace],
      ['Name', this.name],
    ];
  }
  override goString(): string {
    return `${this.namespace}/${this.name}`;
  }
}

class TypeMeta extends GoStruct {
  readonly goType = 'yaml.TypeMeta';
  constructor(readonly id: ObjectId) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['APIVersion', this.id.APIVersion],
      ['Kind', this.id.Kind],
    ];
  }
}

class NameMeta extends GoStruct {
  readonly goType = 'yaml.NameMeta';
  constructor(readonly id: ObjectId) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['Name', this.id.Name],
      ['Namespace', this.id.Namespace],
    ];
  }
}

/** update.ObjectIdentifier{yaml.ResourceIdentifier{TypeMeta, NameMeta}}: fields promoted, printed nested. */
class ObjectIdentifier extends GoStruct {
  readonly goType = 'update.ObjectIdentifier';
  readonly key: string;
  constructor(readonly id: ObjectId) {
    super();
    this.key = JSON.stringify([id.APIVersion, id.Kind, id.Name, id.Namespace]);
  }
  goFields(): [string, unknown][] {
    return [['ResourceIdentifier', new ResourceIdentifier(this.id)]];
  }
  override goMethods(): Record<string, () => unknown> {
    return {
      APIVersion: () => this.id.APIVersion,
      Kind: () => this.id.Kind,
      Name: () => this.id.Name,
      Namespace: () => this.id.Namespace,
      TypeMeta: () => new TypeMeta(this.id),
      NameMeta: () => new NameMeta(this.id),
    };
  }
}

class ResourceIdentifier extends GoStruct {
  readonly goType = 'yaml.ResourceIdentifier';
  constructor(readonly id: ObjectId) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['TypeMeta', new TypeMeta(this.id)],
      ['NameMeta', new NameMeta(this.id)],
    ];
  }
}

class Change extends GoStruct {
  readonly goType = 'update.Change';
  constructor(readonly c: SetterChange) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['OldValue', this.c.OldValue],
      ['NewValue', this.c.NewValue],
      ['Setter', this.c.Setter],
    ];
  }
}

/** update.Result: FileChanges, and the Changes() and Objects() methods. */
class Result extends GoStruct {
  readonly goType = 'update.Result';
  private readonly fileChanges: GoMap;
  constructor(private readonly files: ReadonlyMap<string, readonly ObjectChanges[]>) {
    super();
    this.fileChanges = new GoMap(
      [...files].map(([file, objects]) => [
        file,
        new GoMap(objects.map((o) => [new ObjectIdentifier(o.object), o.changes.map((c) => new Change(c))])),
      ]),
    );
  }
  goFields(): [string, unknown][] {
    return [['FileChanges', this.fileChanges]];
  }
  /** The objects' changes in file name order (Go leaves map order random; sorted keeps messages stable). */
  private sorted(): (readonly ObjectChanges[])[] {
    return [...this.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, objects]) => objects);
  }
  override goMethods(): Record<string, () => unknown> {
    return {
      Changes: () => {
        const seen = new Set<string>();
        const out: Change[] = [];
        for (const objects of this.sorted())
          for (const o of objects)
            for (const c of o.changes) {
              const key = JSON.stringify([c.OldValue, c.NewValue, c.Setter]);
              if (!seen.has(key)) {
                seen.add(key);
                out.push(new Change(c));
              }
            }
        return out;
      },
      Objects: () => {
        const merged = new Map<string, { id: ObjectId; changes: Change[] }>();
        for (const objects of this.sorted())
          for (const o of objects) {
            const key = new ObjectIdentifier(o.object).key;
            const entry = merged.get(key) ?? { id: o.object, changes: [] };
            entry.changes.push(...o.changes.map((c) => new Change(c)));
            merged.set(key, entry);
          }
        return new GoMap([...merged.values()].map((e) => [new ObjectIdentifier(e.id), e.changes]));
      },
    };
  }
}

class TemplateData extends GoStruct {
  readonly goType = 'source.TemplateData';
  constructor(
    private readonly automation: NamespacedName,
    private readonly changed: Result,
    private readonly values: GoMap,
  ) {
    super();
  }
  goFields(): [string, unknown][] {
    return [
      ['AutomationObject', this.automation],
      ['Changed', this.changed],
      ['Values', this.values],
    ];
  }
}

/** What a commit message is rendered from. */
export interface CommitTemplateInput {
  automation: { namespace: string; name: string };
  files: ReadonlyMap<string, readonly ObjectChanges[]>;
  values?: Readonly<Record<string, string>> | undefined;
}

/** Checks the template for constructs Driftless does not implement, before anything is changed. */
export function checkCommitTemplate(template: string | undefined): void {
  try {
    renderCommitMessage(template, { automation: { namespace: '', name: '' }, files: new Map() });
  } catch (err) {
    if (err instanceof TemplateUnsupportedError) throw err;
  }
}

/** Renders the commit message as Flux does (its default message when the template is empty). */
export function renderCommitMessage(template: string | undefined, input: CommitTemplateInput): string {
  const data = new TemplateData(
    new NamespacedName(input.automation.namespace, input.automation.name),
    new Result(input.files),
    new GoMap(Object.entries(input.values ?? {})),
  );
  try {
    return renderTemplate('commit message', template || DefaultMessageTemplate, data);
  } catch (err) {
    if (err instanceof TemplateParseError)
      throw new CommitTemplateError(`unable to create commit message template from spec: ${err.message}`);
    if (err instanceof TemplateExecError) {
      if (err.message.includes("can't evaluate field Updated in type source.TemplateData"))
        throw new RemovedTemplateFieldError(
          "template uses removed '.Updated' field. Please use '.Changed' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template",
        );
      if (err.message.includes("can't evaluate field ImageResult in type update.Result"))
        throw new RemovedTemplateFieldError(
          "template uses removed '.Changed.ImageResult' field. Please use '.Changed.FileChanges' or '.Changed.Objects' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template",
        );
      throw new CommitTemplateError(`failed to run template from spec: ${err.message}`);
    }
    throw err;
  }
}
