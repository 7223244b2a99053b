module github.com/dms-progress/dms-progress/bindings/go

go 1.24
