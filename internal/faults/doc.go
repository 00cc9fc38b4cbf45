// Package faults holds no code: its tests inject the faults an operator meets — PostgreSQL
// restarting under load, clients that stop reading — into the whole service, as it runs
// over a real PostGIS, and check what users see. They run in their own test binary, on a
// cluster of their own, because they restart it.
package faults
