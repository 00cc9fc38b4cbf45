package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// importSource is the parcel file an import reads: a local file, or a download read as it
// arrives, so that a department's file is neither held in memory nor written to disk.
type importSource struct {
	url    bool
	base   string        // the name recorded with the import: the file's or the URL's last segment
	body   io.ReadCloser // the file's bytes, gzipped or not
	total  int64         // the size in bytes, -1 when a server does not send it
	sha256 string        // a local file's digest, known before it is read
	hash   hash.Hash     // a download's digest, fed as it is read
}

// digest returns a download's digest once the import has read it: what the reader left
// unread (bytes after the end of the gzip stream) is read first so that the digest is of
// the whole file. It is nil for a local file, whose digest is known at once.
func (s *importSource) digest() string {
	_, _ = io.Copy(io.Discard, s.body)
	return hex.EncodeToString(s.hash.Sum(nil))
}

// isURL reports whether arg names a file to download rather than a local path.
func isURL(arg string) bool {
	lower := strings.ToLower(arg)
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

// openImportSource opens a local file (hashed at once, then rewound) or starts the
// download of an http(s) URL. A download that fails to start, or answers anything but
// 200, is an error naming what went wrong; the caller names the URL.
func openImportSource(ctx context.Context, arg string) (*importSource, error) {
	if !isURL(arg) {
		return openLocalSource(arg)
	}
	u, err := url.Parse(arg)
	if err != nil || u.Host == "" {
		return nil, errors.New("not a valid URL: give http(s)://host/path")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL: %w", err)
	}
	// No overall timeout: a department's file takes minutes on a slow line. A server that
	// does not even answer within a minute is down, though.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = time.Minute
	client := &http.Client{Transport: tr}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot download: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("cannot download: the server answered %s", resp.Status)
	}
	h := sha256.New()
	dl := &downloadReader{r: resp.Body, total: resp.ContentLength}
	base := path.Base(u.Path)
	if base == "/" || base == "." {
		base = u.Host
	}
	return &importSource{
		url:   true,
		base:  base,
		body:  readCloser{io.TeeReader(dl, h), resp.Body},
		total: resp.ContentLength,
		hash:  h,
	}, nil
}

func openLocalSource(file string) (*importSource, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return &importSource{base: filepath.Base(file), body: f, total: info.Size(),
		sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// downloadReader turns a connection lost mid-download into an error that says so and how
// far it got, rather than the reader's guess at a truncated file.
type downloadReader struct {
	r     io.Reader
	n     int64
	total int64
}

func (d *downloadReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		of := ""
		if d.total >= 0 {
			of = fmt.Sprintf(" of %d", d.total)
		}
		return n, &downloadError{msg: fmt.Sprintf("the download stopped after %d%s bytes: %v", d.n, of, err)}
	}
	return n, err
}

// downloadError is a broken download. It wraps nothing on purpose: the reader explains an
// io.ErrUnexpectedEOF as a truncated file, and this is the more precise story.
type downloadError struct{ msg string }

func (e *downloadError) Error() string { return e.msg }

type readCloser struct {
	io.Reader
	io.Closer
}
