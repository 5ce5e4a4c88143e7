package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// sendError is a failed send: the server's status or reply code (0 when it
// was not reached), whether trying again cannot help, and the category its
// user is shown (categoryOf).
type sendError struct {
	code      int
	permanent bool
	category  string
	err       error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// codeOf is the status or reply code of a send error, 0 if none.
func codeOf(err error) int {
	var se *sendError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}

// permanent reports whether a send error will not go away by itself.
func permanent(err error) bool {
	var se *sendError
	return errors.As(err, &se) && se.permanent
}

// composeMail writes an RFC 5322 message: UTF-8 text, base64, the subject
// encoded per RFC 2047.
func composeMail(from, to string, msg Message, id string, at time.Time) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.String() // a display name in UTF-8 is encoded per RFC 2047
	}
	hdr("From", from)
	hdr("To", to)
	hdr("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	hdr("Date", at.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+id+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="UTF-8"`)
	hdr("Content-Transfer-Encoding", "base64")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(msg.Body, "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// sendMail delivers one message over SMTP: implicit TLS on port 465,
// otherwise STARTTLS when the server offers it; PLAIN authentication when a
// user is configured (net/smtp refuses to send the password in clear text
// except to a server on loopback). A 5xx reply is permanent.
func sendMail(ctx context.Context, cfg Config, to string, data []byte) (code int, err error) {
	host, port, err := net.SplitHostPort(cfg.SMTPAddr)
	if err != nil {
		return 0, &sendError{permanent: true, category: FailureNotConfigured, err: fmt.Errorf("mail server %q: %w", cfg.SMTPAddr, err)}
	}
	from, err := mail.ParseAddress(cfg.SMTPFrom)
	if err != nil {
		return 0, &sendError{permanent: true, category: FailureNotConfigured, err: fmt.Errorf("sender %q: %w", cfg.SMTPFrom, err)}
	}
	deadline := time.Now().Add(cfg.SendTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	if port == "465" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}).
			DialContext(ctx, "tcp", cfg.SMTPAddr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", cfg.SMTPAddr)
	}
	if err != nil {
		return 0, &sendError{err: fmt.Errorf("connect to the mail server %s: %w", cfg.SMTPAddr, err)}
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return smtpFailure("greeting", err)
	}
	defer c.Close()
	if port != "465" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
				return smtpFailure("STARTTLS", err)
			}
		}
	}
	if cfg.SMTPUser != "" {
		if _, tlsOn := c.TLSConnectionState(); !tlsOn && !isLoopback(host) {
			return 0, &sendError{permanent: true, category: FailureNotConfigured, err: fmt.Errorf("the mail server %s offers no TLS: the password is not sent in clear text; use port 465 or a server with STARTTLS", cfg.SMTPAddr)}
		}
		if err := c.Auth(smtp.PlainAuth("", cfg.SMTPUser, cfg.SMTPPassword, host)); err != nil {
			return smtpFailure("AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return smtpFailure("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return smtpFailure("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpFailure("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		return smtpFailure("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpFailure("end of DATA", err)
	}
	_ = c.Quit()
	return 250, nil
}

// smtpFailure classifies an SMTP error: a 5xx reply is permanent, a 4xx
// reply or a broken connection is worth another try.
func smtpFailure(step string, err error) (int, error) {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code, &sendError{code: tp.Code, permanent: tp.Code >= 500, err: fmt.Errorf("mail server refused %s: %d %s", step, tp.Code, tp.Msg)}
	}
	return 0, &sendError{err: fmt.Errorf("mail server, %s: %w", step, err)}
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
