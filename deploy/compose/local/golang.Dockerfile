# Stand-in for golang:1.26-bookworm where no registry is reachable: the Go toolchain
# scripts/setup.sh installed (from the Go module proxy, the same release the golang image ships),
# on the local Debian base (scripts/deploy_check.sh). Context: a folder holding that toolchain as go/.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
COPY go /usr/local/go
ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
