package database

import "testing"

func TestMayWrite(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                                           false,
		"  select * from cases":                              false,
		"(SELECT id FROM a) UNION (SELECT 2)":                false,
		"EXPLAIN SELECT 1":                                   false,
		"WITH s AS (SELECT 1) SELECT * FROM s":               false,
		"WITH s AS (SELECT 1) INSERT INTO t SELECT * FROM s": true,
		"INSERT INTO t VALUES (1)":                           true,
		"UPDATE river_job SET state = 'running' RETURNING *": true,
		"DELETE FROM t":                                      true,
		"BEGIN IMMEDIATE":                                    true,
		"PRAGMA foreign_keys":                                true,
	} {
		if got := mayWrite(q); got != want {
			t.Errorf("mayWrite(%q) = %v, want %v", q, got, want)
		}
	}
}
