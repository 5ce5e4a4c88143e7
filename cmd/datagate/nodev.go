//go:build nodev

package main

import (
	"context"
	"errors"
	"io"
)

// runDev: this binary was built without the embedded Temporal server.
func runDev(context.Context, []string, func(string) string, io.Writer) error {
	return errors.New("this datagate was built with -tags nodev, without the embedded Temporal server: use serve and worker against a Temporal cluster, or a build without the tag")
}
