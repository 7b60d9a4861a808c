package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/licensorhq/licensor/client"
)

// clientFlags are the flags of every command that calls a server.
type clientFlags struct {
	Endpoint string
	Profile  string
	Region   string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.Endpoint, "endpoint", "", "server URL (default $LICENSOR_ENDPOINT, else http://127.0.0.1:8080)")
	cmd.PersistentFlags().StringVar(&f.Profile, "profile", "", "profile in the AWS shared credentials file (default $AWS_PROFILE)")
	cmd.PersistentFlags().StringVar(&f.Region, "region", "", "signing region (default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)")
}

// client resolves endpoint, region and credentials the way the AWS CLI
// does: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY first, then the named
// profile of $AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
// The profile licensor-root is also looked up in
// ./licensor-data/root-credentials, where `licensor serve` writes it.
func (f *clientFlags) client(getenv env) (*client.Client, error) {
	c := &client.Client{Endpoint: first(f.Endpoint, getenv("LICENSOR_ENDPOINT"), "http://127.0.0.1:8080"),
		Region: first(f.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1")}
	profile := first(f.Profile, getenv("AWS_PROFILE"))
	if profile == "" {
		c.AccessKeyID, c.SecretAccessKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
		if c.AccessKeyID != "" && c.SecretAccessKey != "" {
			return c, nil
		}
		profile = "default"
	}
	files := []string{getenv("AWS_SHARED_CREDENTIALS_FILE")}
	if home, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(home, ".aws", "credentials"))
	}
	if profile == "licensor-root" {
		files = append(files, filepath.Join("licensor-data", "root-credentials"))
	}
	for _, path := range files {
		if path == "" {
			continue
		}
		id, secret, err := readProfile(path, profile)
		if err == nil {
			c.AccessKeyID, c.SecretAccessKey = id, secret
			return c, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, errors.New("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile (e.g. AWS_SHARED_CREDENTIALS_FILE=licensor-data/root-credentials --profile licensor-root)")
}

// readProfile reads one profile of an INI-style shared credentials file.
// os.ErrNotExist when the file or the profile is missing.
func readProfile(path, profile string) (id, secret string, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer fh.Close()
	in := false
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := strings.TrimSpace(line[1 : len(line)-1])
			in = name == profile || name == "profile "+profile
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if id == "" || secret == "" {
		return "", "", fmt.Errorf("profile %q in %s: %w", profile, path, os.ErrNotExist)
	}
	return id, secret, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// call invokes target with in and prints the answer as indented JSON: what
// every administrative subcommand does.
func (cf *clientFlags) call(cmd *cobra.Command, getenv env, stdout io.Writer, target string, in any) error {
	c, err := cf.client(getenv)
	if err != nil {
		return err
	}
	var out json.RawMessage
	if err := c.Call(cmd.Context(), target, in, &out); err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return err
	}
	return printJSON(stdout, v)
}
