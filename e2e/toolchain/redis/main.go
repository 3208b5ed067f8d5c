// An in-memory redis for Argo CD's cache in the e2e run: miniredis on 127.0.0.1:PORT until it is
// sent SIGINT or SIGTERM. e2e/toolchain.sh builds it (the redis piece).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alicebob/miniredis/v2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: redis PORT")
		os.Exit(2)
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:" + os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("miniredis on", m.Addr())
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	<-c
	m.Close()
}
