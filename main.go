// Command okrbot is a self-hosted OKR and KPI bot for Slack and Microsoft
// Teams. It runs as a server ("okrbot serve"), as a terminal chat ("okrbot
// console"), and has subcommands for operators (migrate, backup, check…);
// package cmd is the program, this is only its door to the process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/okrbot/okrbot/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &cmd.Main{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "okrbot:", err)
		stop()
		os.Exit(1)
	}
}
