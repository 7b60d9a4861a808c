package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

func newOrgCmd(stdout io.Writer, getenv env) *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{Use: "org", Short: "Manage organizations (root, or the organization's management account)"}
	cf.register(cmd)
	call := func(cmd *cobra.Command, target string, in any) error {
		return cf.call(cmd, getenv, stdout, target, in)
	}
	var mgmt, name, orgID, account string
	create := &cobra.Command{
		Use: "create --management-account ID [--name NAME]", Short: "Create an organization", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if mgmt == "" {
				return errors.New("--management-account is required")
			}
			return call(cmd, "Licensor.CreateOrganization", map[string]string{"ManagementAccountId": mgmt, "Name": name})
		},
	}
	create.Flags().StringVar(&mgmt, "management-account", "", "account ID of the management account")
	create.Flags().StringVar(&name, "name", "", "display name")
	member := func(use, short, target string) *cobra.Command {
		c := &cobra.Command{
			Use: use + " --org ID --account ID", Short: short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if orgID == "" || account == "" {
					return errors.New("--org and --account are required")
				}
				return call(cmd, target, map[string]string{"OrganizationId": orgID, "AccountId": account})
			},
		}
		c.Flags().StringVar(&orgID, "org", "", "organization ID (o-…)")
		c.Flags().StringVar(&account, "account", "", "member account ID")
		return c
	}
	describe := &cobra.Command{
		Use: "describe ORG_ID", Short: "Show an organization and its members", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return call(cmd, "Licensor.DescribeOrganization", map[string]string{"OrganizationId": args[0]})
		},
	}
	list := &cobra.Command{
		Use: "list", Short: "List organizations", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return call(cmd, "Licensor.ListOrganizations", map[string]string{})
		},
	}
	cmd.AddCommand(create, member("add-member", "Add an account to an organization", "Licensor.AddOrganizationMember"),
		member("remove-member", "Remove an account from an organization", "Licensor.RemoveOrganizationMember"), describe, list)
	return cmd
}
