// Command gen writes viva_goals.xlsx from company_okrs.csv: the same OKRs
// laid out as a Viva Goals export is, with its column names, a goal's
// columns only on its first row, a status column and columns okrbot does
// not read, and a second sheet. Run it from testdata/import:
//
//	go run ./gen
package main

import (
	"encoding/csv"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

func main() {
	in, err := os.Open("company_okrs.csv")
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(in).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	const goals = "Goals"
	if err := f.SetSheetName("Sheet1", goals); err != nil {
		log.Fatal(err)
	}
	header := []any{"Time Period", "Goal ID", "Goal", "Goal Description", "Team", "Goal Owner", "Aligned To",
		"KR Title", "KR Owner", "Metric Type", "Start Value", "Target Value", "Current Value", "Metric Unit", "Weight", "Status", "Last Updated"}
	if err := f.SetSheetRow(goals, "A1", &header); err != nil {
		log.Fatal(err)
	}
	last := ""
	for i, r := range rows[1:] {
		kind := r[9]
		if kind == "metric" {
			kind = "Increase"
			if r[10] != "" && r[11] != "" && less(r[11], r[10]) {
				kind = "Decrease"
			}
		} else {
			kind = "Milestone"
		}
		goal := []any{r[0], r[1], r[2], r[3], r[4], r[5], r[6]}
		if r[1] == last {
			goal = []any{"", "", "", "", "", "", ""}
		}
		last = r[1]
		row := append(goal, r[7], r[8], kind, r[10], r[11], r[12], r[13], r[14], "On track", "2026-11-14")
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(goals, cell, &row); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := f.NewSheet("Check-ins"); err != nil {
		log.Fatal(err)
	}
	if err := f.SetSheetRow("Check-ins", "A1", &[]any{"Goal ID", "Date", "Note"}); err != nil {
		log.Fatal(err)
	}
	if err := f.SaveAs("viva_goals.xlsx"); err != nil {
		log.Fatal(err)
	}
}

// less compares two numbers as the file writes them ("4%", "2.5%").
func less(a, b string) bool {
	x, errA := strconv.ParseFloat(strings.TrimSuffix(a, "%"), 64)
	y, errB := strconv.ParseFloat(strings.TrimSuffix(b, "%"), 64)
	if errA != nil || errB != nil {
		log.Fatalf("not numbers: %q, %q", a, b)
	}
	return x < y
}
