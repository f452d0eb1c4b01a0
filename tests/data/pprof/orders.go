// A small Go service loop that allocates on its hot path, profiled with
// runtime/pprof: the real pprof file perfloop's importer and its README
// screenshot use (tests/data/pprof/orders-cpu.pb.gz). Regenerate with
//   go run orders.go -cpuprofile orders-cpu.pb.gz
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

type line struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

type order struct {
	ID    int    `json:"id"`
	Lines []line `json:"lines"`
}

// Builds a fresh order per call: every line and string is a new allocation,
// which is what keeps the collector busy.
func buildOrder(id int) order {
	o := order{ID: id}
	for i := 0; i < 40; i++ {
		o.Lines = append(o.Lines, line{SKU: strings.Repeat("x", 8) + string(rune('a'+i%26)), Qty: i % 7, Price: float64(i) * 1.5})
	}
	return o
}

func priceOrder(o order) float64 {
	sort.Slice(o.Lines, func(a, b int) bool { return o.Lines[a].SKU < o.Lines[b].SKU })
	total := 0.0
	for _, l := range o.Lines {
		total += float64(l.Qty) * l.Price
	}
	return total
}

func handle(id int) int {
	o := buildOrder(id)
	_ = priceOrder(o)
	body, err := json.Marshal(o)
	if err != nil {
		log.Fatal(err)
	}
	return len(body)
}

func main() {
	out := flag.String("cpuprofile", "orders-cpu.pb.gz", "where to write the CPU profile")
	seconds := flag.Float64("seconds", 3, "how long to serve")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	defer pprof.StopCPUProfile()
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	bytes := 0
	for id := 0; time.Now().Before(deadline); id++ {
		bytes += handle(id)
	}
	log.Printf("served %d bytes", bytes)
}
