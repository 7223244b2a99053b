module github.com/dms-progress/dms-progress/bench/go

go 1.24

require github.com/dms-progress/dms-progress/bindings/go v0.0.0

replace github.com/dms-progress/dms-progress/bindings/go => ../../bindings/go
