package main

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/spf13/cobra"
)

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newAccountCmd(stdout io.Writer, getenv env) *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{Use: "account", Short: "Manage accounts (root credentials)"}
	cf.register(cmd)

	var name string
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an account and print its AccountId, AccessKeyId and SecretAccessKey as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return errors.New("--name is required")
			}
			c, err := cf.client(getenv)
			if err != nil {
				return err
			}
			var out struct {
				AccountId, AccessKeyId, SecretAccessKey string
			}
			if err := c.Call(cmd.Context(), "Licensor.CreateAccount", map[string]string{"Name": name}, &out); err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(out)
		},
	}
	create.Flags().StringVar(&name, "name", "", "account name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client(getenv)
			if err != nil {
				return err
			}
			var all []json.RawMessage
			token := ""
			for {
				var out struct {
					Accounts  []json.RawMessage
					NextToken string
				}
				in := map[string]any{}
				if token != "" {
					in["NextToken"] = token
				}
				if err := c.Call(cmd.Context(), "Licensor.ListAccounts", in, &out); err != nil {
					return err
				}
				all = append(all, out.Accounts...)
				if token = out.NextToken; token == "" {
					break
				}
			}
			if all == nil {
				all = []json.RawMessage{}
			}
			return printJSON(stdout, map[string]any{"Accounts": all})
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

func newAccessKeyCmd(stdout io.Writer, getenv env) *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{Use: "access-key", Short: "Manage access keys of accounts (root credentials)"}
	cf.register(cmd)

	call := func(cmd *cobra.Command, target string, in any) error {
		return cf.call(cmd, getenv, stdout, target, in)
	}
	var accountID string
	create := &cobra.Command{
		Use:   "create --account-id ID",
		Short: "Create an access key; its secret is printed this once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return call(cmd, "Licensor.CreateAccessKey", map[string]string{"AccountId": accountID})
		},
	}
	create.Flags().StringVar(&accountID, "account-id", "", "account ID")
	list := &cobra.Command{
		Use:   "list --account-id ID",
		Short: "List the access keys of an account (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return call(cmd, "Licensor.ListAccessKeys", map[string]string{"AccountId": accountID})
		},
	}
	list.Flags().StringVar(&accountID, "account-id", "", "account ID")
	status := func(use, short, st string) *cobra.Command {
		return &cobra.Command{
			Use: use + " ACCESS_KEY_ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return call(cmd, "Licensor.UpdateAccessKey", map[string]string{"AccessKeyId": args[0], "Status": st})
			},
		}
	}
	del := &cobra.Command{
		Use: "delete ACCESS_KEY_ID", Short: "Delete an access key", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(cmd, "Licensor.DeleteAccessKey", map[string]string{"AccessKeyId": args[0]})
		},
	}
	cmd.AddCommand(create, list,
		status("deactivate", "Deactivate an access key", "Inactive"),
		status("activate", "Reactivate an access key", "Active"),
		del)
	return cmd
}
