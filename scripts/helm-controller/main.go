// Command helm-controller is helm v4's own CLI (helm.sh/helm/v4/pkg/cmd) as the HelmRelease reconciler
// drives it, with these changes:
//   - server-side applies carry the field manager "helm-controller" (Flux's), not the "helm" that helm's
//     own main() hard-codes;
//   - release storage may live in another namespace than the release (DRIFTLESS_HELM_STORAGE_NAMESPACE),
//     as helm-controller configures Helm for spec.storageNamespace;
//   - `--post-renderer driftless-post-render` runs the HelmRelease post-renderer in this process
//     (postrender.go; also runnable as helm's postrenderer/v1 plugin, `__driftless-post-render`);
//   - `__driftless-serve` keeps one helm process for many command lines (serve.go).
//
// Built by scripts/provision.sh (the `helm` target) against helm.sh/helm/v4 at its pinned version; the
// build is cached by that version and a hash of these files.
package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	helmcmd "helm.sh/helm/v4/pkg/cmd"
	"helm.sh/helm/v4/pkg/kube"
)

func main() {
	kube.ManagedFieldsManager = "helm-controller"
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "__driftless-post-render":
			os.Exit(runPostRender())
		case "__driftless-serve":
			os.Exit(serve(os.Args[2:]))
		}
	}
	os.Exit(runHelm(os.Args[1:]))
}

// runHelm runs one helm command line and returns its exit code.
func runHelm(args []string) int {
	// Helm's root command initialises its storage driver (cobra.OnInitialize, after flag parsing) in the
	// --namespace namespace, which is also the release's. With a storage namespace, --namespace names it
	// for that initialisation only: set before helm's initialiser, restored after it, so the command runs
	// in the release namespace while the driver reads and writes the storage namespace's Secrets.
	storageNamespace := os.Getenv("DRIFTLESS_HELM_STORAGE_NAMESPACE")
	var cmd *cobra.Command
	var releaseNamespace string
	if storageNamespace != "" {
		cobra.OnInitialize(func() {
			flag := cmd.PersistentFlags().Lookup("namespace")
			releaseNamespace = flag.Value.String()
			_ = flag.Value.Set(storageNamespace)
		})
	}
	cmd, err := helmcmd.NewRootCmd(os.Stdout, args, helmcmd.SetupLogging)
	if err != nil {
		slog.Warn("command failed", slog.Any("error", err))
		return 1
	}
	if storageNamespace != "" {
		cobra.OnInitialize(func() { _ = cmd.PersistentFlags().Lookup("namespace").Value.Set(releaseNamespace) })
	}
	// Cobra reads os.Args unless told otherwise; a served request's arguments are not the process's.
	cmd.SetArgs(args)
	bindPostRenderInProcess(cmd)
	if err := cmd.Execute(); err != nil {
		var cerr helmcmd.CommandError
		if errors.As(err, &cerr) {
			return cerr.ExitCode
		}
		return 1
	}
	return 0
}
