package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/client"
	"github.com/licensorhq/licensor/token"
)

// Exit codes of licensor verify, one per class of failure, so that a
// script can tell a forged token from an expired one. Every other command
// exits 1 on any error.
const (
	exitUsage       = 2 // bad flags, arguments, or JWKS file
	exitInvalid     = 3 // malformed, altered, badly signed or unsupported algorithm
	exitTime        = 4 // expired or not yet valid
	exitWrongIssuer = 5
	exitWrongNode   = 6
	exitUnknownKey  = 7 // kid not among the pinned keys
)

// exitCodeError is an error that asks main for a particular exit code.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

// exitCode returns the process exit code for an error of a command.
func exitCode(err error) int {
	var ee *exitCodeError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func usageError(format string, args ...any) error {
	return &exitCodeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// verifyExitCodes maps Verify's sentinels to exit codes; anything else
// Verify returns is exitInvalid.
var verifyExitCodes = []struct {
	err  error
	code int
}{
	{token.ErrExpired, exitTime},
	{token.ErrNotYetValid, exitTime},
	{token.ErrWrongIssuer, exitWrongIssuer},
	{token.ErrWrongNode, exitWrongNode},
	{token.ErrUnknownKey, exitUnknownKey},
}

func newVerifyCmd(stdout io.Writer) *cobra.Command {
	var (
		jwksPath, issuer, node string
		thumbprints            []string
		skew                   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "verify --jwks FILE --issuer KEYFINGERPRINT [--node NODE_ID] [--thumbprint T ...] [--clock-skew 60s] [TOKEN|-]",
		Short: "Verify a checkout token offline against a pinned JWKS",
		Long: `Verify a checkout token offline, as vendors' software does: against the
issuer's public keys in a JWKS file (saved from the server's
GET /.well-known/jwks.json), with no call to the server. The token is the argument, or
standard input when there is none or it is "-".

On success it prints {"valid":true,"kid":…,"alg":…,"claims":{…}} and exits 0.
Otherwise it prints the reason and exits with:
  2  bad flags, arguments or JWKS file (or no key with a pinned thumbprint)
  3  malformed or altered token, bad signature, unsupported algorithm
  4  expired, or not yet valid
  5  issued by another issuer, or by a key bound to another account
  6  locked to another node
  7  signed by a key that is not in the JWKS (or not pinned by --thumbprint)`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("verify takes one token, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if jwksPath == "" {
				return usageError("--jwks is required: the issuer's JWKS file")
			}
			if issuer == "" {
				return usageError("--issuer is required: the KeyFingerprint the token must carry, aws:<account>:<issuer name>:issuer-fingerprint")
			}
			if _, _, ok := licensor.ParseKeyFingerprint(issuer); !ok {
				return usageError("--issuer %q is not a KeyFingerprint (aws:<account>:<issuer name>:issuer-fingerprint)", issuer)
			}
			if skew < 0 {
				return usageError("--clock-skew must not be negative")
			}
			opts := client.VerifyOptions{Issuer: issuer, NodeID: node, Thumbprints: thumbprints, ClockSkew: skew}
			if skew == 0 {
				opts.ClockSkew = -1 // none; zero would mean the default
			}
			tok, err := readToken(cmd, args)
			if err != nil {
				return err
			}
			v, err := client.NewVerifierFromFile(jwksPath, opts)
			if err != nil {
				return &exitCodeError{code: exitUsage, err: err}
			}
			if _, err := v.Verify(tok); err != nil {
				code := exitInvalid
				for _, m := range verifyExitCodes {
					if errors.Is(err, m.err) {
						code = m.code
						break
					}
				}
				return &exitCodeError{code: code, err: err}
			}
			out, err := verifiedOutput(tok)
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(out)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitCodeError{code: exitUsage, err: err} })
	f := cmd.Flags()
	f.StringVar(&jwksPath, "jwks", "", "JWKS file with the issuer's public keys")
	f.StringVar(&issuer, "issuer", "", "KeyFingerprint the token must carry (aws:<account>:<issuer name>:issuer-fingerprint)")
	f.StringVar(&node, "node", "", "this node's ID; a token locked to another node is refused")
	f.StringArrayVar(&thumbprints, "thumbprint", nil, "trust only the key with this RFC 7638 thumbprint (repeatable)")
	f.DurationVar(&skew, "clock-skew", token.DefaultClockSkew, "allowance for clocks that disagree, applied to exp, nbf and iat")
	return cmd
}

// readToken returns the token from the argument or standard input.
func readToken(cmd *cobra.Command, args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		return strings.TrimSpace(args[0]), nil
	}
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), token.MaxTokenSize+1024))
	if err != nil {
		return "", usageError("read token from standard input: %v", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", usageError("no token: pass it as the argument or on standard input")
	}
	return tok, nil
}

// verifiedResult is what licensor verify prints for a valid token. Claims
// is the token's payload as signed, with its wire names.
type verifiedResult struct {
	Valid  bool            `json:"valid"`
	KeyID  string          `json:"kid"`
	Alg    string          `json:"alg"`
	Claims json.RawMessage `json:"claims"`
}

// verifiedOutput decodes the header and payload of a token that has
// verified, so both are well-formed.
func verifiedOutput(tok string) (*verifiedResult, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("verified token has %d parts", len(parts))
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, err
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, err
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	return &verifiedResult{Valid: true, KeyID: h.Kid, Alg: h.Alg, Claims: pb}, nil
}
