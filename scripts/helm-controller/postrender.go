// The post-renderer of HelmRelease spec.postRenderers and spec.commonMetadata, run by helm as a
// postrenderer/v1 plugin (this binary with the argument __driftless-post-render): the manifests on stdin,
// the configuration in DRIFTLESS_HELM_POST_RENDER (JSON), the result on stdout. As helm-controller
// post-renders: each kustomize post-renderer (patches, images) is a kustomize build of the stream in
// memory, then the common labels and annotations, then the origin labels, on metadata only. The strategy
// says which documents helm would have sent: all of them (combined), hooks and the rest apart (separate),
// or the rest only (nohooks); hooks carry helm's hook annotation in the stream.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"helm.sh/helm/v4/pkg/postrenderer"
	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

type postRenderConfig struct {
	Strategy  string `json:"strategy"`
	Kustomize []struct {
		Patches []kustypes.Patch `json:"patches"`
		Images  []kustypes.Image `json:"images"`
	} `json:"kustomize"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Origin      map[string]string `json:"origin"`
}

const postRenderPlugin = "driftless-post-render"

func postRenderConfigOf() (postRenderConfig, error) {
	var cfg postRenderConfig
	if err := json.Unmarshal([]byte(os.Getenv("DRIFTLESS_HELM_POST_RENDER")), &cfg); err != nil {
		return cfg, fmt.Errorf("invalid post-render configuration: %w", err)
	}
	return cfg, nil
}

// bindPostRenderInProcess gives every command's --post-renderer flag a value that, for this plugin's name,
// sets the command's post-renderer to postRenderStream in this process. helm keeps the flag's target (the
// action's PostRenderer field) unexported; it is found by reflection, and when helm's flag no longer has
// that shape the flag is left as it was, so helm starts the plugin as before.
func bindPostRenderInProcess(root *cobra.Command) {
	for _, c := range root.Commands() {
		f := c.Flags().Lookup("post-renderer")
		if f == nil {
			continue
		}
		if target := postRendererTarget(f.Value); target != nil {
			f.Value = &inProcessPostRenderFlag{Value: f.Value, target: target}
		}
	}
}

func postRendererTarget(v pflag.Value) *postrenderer.PostRenderer {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil
	}
	opts := rv.Elem().FieldByName("options")
	if !opts.IsValid() || opts.Kind() != reflect.Pointer || opts.IsNil() || opts.Elem().Kind() != reflect.Struct {
		return nil
	}
	r := opts.Elem().FieldByName("renderer")
	if !r.IsValid() || r.Type() != reflect.TypeOf((*postrenderer.PostRenderer)(nil)) || r.IsNil() {
		return nil
	}
	return (*postrenderer.PostRenderer)(r.UnsafePointer())
}

type inProcessPostRenderFlag struct {
	pflag.Value
	target *postrenderer.PostRenderer
}

func (f *inProcessPostRenderFlag) Set(name string) error {
	if name != postRenderPlugin {
		return f.Value.Set(name)
	}
	cfg, err := postRenderConfigOf()
	if err != nil {
		return err
	}
	*f.target = inProcessPostRenderer{cfg}
	return nil
}

type inProcessPostRenderer struct{ cfg postRenderConfig }

// Run fails as helm's plugin post-renderer does: the error named after the plugin, empty output refused.
func (r inProcessPostRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	out, err := postRenderStream(in.Bytes(), r.cfg)
	if err != nil {
		return nil, fmt.Errorf("failed to invoke post-renderer plugin %q: %w", postRenderPlugin, err)
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return nil, errors.New("post-renderer \"" + postRenderPlugin + "\" produced empty output")
	}
	return bytes.NewBuffer(out), nil
}

func runPostRender() int {
	cfg, err := postRenderConfigOf()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := postRenderStream(in, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, _ = os.Stdout.Write(out)
	return 0
}

// postRenderStream splits hooks from the rest as the strategy says and post-renders each group.
func postRenderStream(in []byte, cfg postRenderConfig) ([]byte, error) {
	if cfg.Strategy == "" || cfg.Strategy == "combined" {
		return postRender(in, cfg)
	}
	nodes, err := kio.FromBytes(in)
	if err != nil {
		return nil, err
	}
	var hooks, rest []byte
	for _, n := range nodes {
		s, err := n.String()
		if err != nil {
			return nil, err
		}
		doc := []byte("---\n" + s)
		if _, ok := n.GetAnnotations()["helm.sh/hook"]; ok {
			hooks = append(hooks, doc...)
		} else {
			rest = append(rest, doc...)
		}
	}
	var out bytes.Buffer
	if len(rest) > 0 {
		r, err := postRender(rest, cfg)
		if err != nil {
			return nil, fmt.Errorf("manifests: %w", err)
		}
		out.Write(r)
	}
	if len(hooks) > 0 {
		if cfg.Strategy == "separate" {
			if hooks, err = postRender(hooks, cfg); err != nil {
				return nil, fmt.Errorf("hooks: %w", err)
			}
		}
		out.WriteString("---\n")
		out.Write(hooks)
	}
	return out.Bytes(), nil
}

// postRender runs the kustomize post-renderers in order, then the common metadata, then the origin labels.
func postRender(in []byte, cfg postRenderConfig) ([]byte, error) {
	var err error
	for _, k := range cfg.Kustomize {
		if in, err = kustomizeBuild(in, k.Patches, k.Images); err != nil {
			return nil, err
		}
	}
	var ts []resmap.Transformer
	if cfg.Labels != nil {
		ts = append(ts, &builtins.LabelTransformerPlugin{Labels: cfg.Labels, FieldSpecs: metadataField("labels")})
	}
	if cfg.Annotations != nil {
		ts = append(ts, &builtins.AnnotationsTransformerPlugin{Annotations: cfg.Annotations, FieldSpecs: metadataField("annotations")})
	}
	if len(ts) > 0 {
		if in, err = transform(in, ts...); err != nil {
			return nil, err
		}
	}
	if len(cfg.Origin) > 0 {
		return transform(in, &builtins.LabelTransformerPlugin{Labels: cfg.Origin, FieldSpecs: metadataField("labels")})
	}
	return in, nil
}

func metadataField(name string) []kustypes.FieldSpec {
	return []kustypes.FieldSpec{{Path: "metadata/" + name, CreateIfNotPresent: true}}
}

func transform(in []byte, ts ...resmap.Transformer) ([]byte, error) {
	factory := resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
	m, err := factory.NewResMapFromBytes(in)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if err := t.Transform(m); err != nil {
			return nil, err
		}
	}
	return m.AsYaml()
}

// kustomizeBuild builds, in memory, a kustomization of the stream with the patches and images.
func kustomizeBuild(in []byte, patches []kustypes.Patch, images []kustypes.Image) ([]byte, error) {
	fs := filesys.MakeFsInMemory()
	const input = "helm-output.yaml"
	if err := fs.WriteFile(input, in); err != nil {
		return nil, err
	}
	k := kustypes.Kustomization{Resources: []string{input}, Patches: patches, Images: images}
	k.APIVersion = kustypes.KustomizationVersion
	k.Kind = kustypes.KustomizationKind
	data, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	if err := fs.WriteFile("kustomization.yaml", data); err != nil {
		return nil, err
	}
	opts := &krusty.Options{LoadRestrictions: kustypes.LoadRestrictionsNone, PluginConfig: kustypes.DisabledPluginConfig()}
	m, err := krusty.MakeKustomizer(opts).Run(fs, ".")
	if err != nil {
		return nil, err
	}
	return m.AsYaml()
}
