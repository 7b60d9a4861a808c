// Command licensor is the license server and its command-line client.
//
//	licensor serve                 run the server
//	licensor account create|list   manage accounts (root credentials)
//	licensor access-key …          manage access keys (root credentials)
//
// See README.md and docs/ for every flag and environment variable.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd(os.Stdout, os.Stderr, os.Getenv).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "licensor:", err)
		os.Exit(exitCode(err))
	}
}

// env reads an environment variable; injected so tests need not touch the
// process environment.
type env func(string) string

func newRootCmd(stdout, stderr io.Writer, getenv env) *cobra.Command {
	root := &cobra.Command{
		Use:           "licensor",
		Short:         "A self-hosted license server that speaks AWS License Manager's API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newServeCmd(stderr, getenv),
		newAccountCmd(stdout, getenv),
		newAccessKeyCmd(stdout, getenv),
		newOrgCmd(stdout, getenv),
		newKeyCmd(stdout, getenv),
		newBenchCmd(stdout, stderr, getenv),
		newVerifyCmd(stdout),
	)
	return root
}
