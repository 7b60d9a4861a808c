package bench

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
)

// connTransport is the load generator's HTTP/1.1 transport: one keep-alive
// connection per simulated client, driven by that client's goroutine alone.
// net/http's Transport spends two goroutines per connection (read and write
// loops) and a hand-off between them on every request; on a 2-core machine
// that shares its cores with the server under test, that overhead is the
// load generator's, not the server's, so the benchmark keeps it out (as a
// load tool such as wrk does). Requests are still real HTTP/1.1 requests,
// SigV4-signed, over TCP to the server.
type connTransport struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

func newConnTransport(endpoint string) (*connTransport, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	return &connTransport{addr: u.Host}, nil
}

// RoundTrip sends req and reads the response head; the caller reads the
// body to its end and closes it before the next request.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.conn == nil {
		c, err := net.Dial("tcp", t.addr)
		if err != nil {
			return nil, err
		}
		t.conn, t.br, t.bw = c, bufio.NewReaderSize(c, 16<<10), bufio.NewWriterSize(c, 16<<10)
	}
	err := req.Write(t.bw)
	if err == nil {
		err = t.bw.Flush()
	}
	var resp *http.Response
	if err == nil {
		resp, err = http.ReadResponse(t.br, req)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	if resp.Close {
		// The server will close: read this response, then reconnect.
		t.conn = nil
	}
	return resp, nil
}

func (t *connTransport) close() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}
