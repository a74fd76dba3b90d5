# The cgohostlab runner image: the lab in a container, driving the host's
# Docker engine through its socket, for machines without Go.
#
# GO_IMAGE is any Debian-based image with Go 1.26 or later and gcc; the
# default needs a registry. Without one, use the lab's own trixie image
# (Debian's golang-1.26-go) and vendor the modules first:
#
#   go mod vendor
#   docker build --build-arg GO_IMAGE=$(go run ./cmd/cgohostlab image glibc-trixie) \
#       -t cgohostlab-runner .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock \
#       -v "$PWD/report:/report" cgohostlab-runner -test.short
#
# Inside the container the lab copies the toolchains it would bind-mount
# into volumes, because the engine cannot see the container's files.
# Base images missing from the engine need mmdebstrap, which this image
# does not have: run the lab once on the host, or set CGOHOSTLAB_REGISTRY.
ARG GO_IMAGE=golang:1.26-bookworm
FROM ${GO_IMAGE}
LABEL org.cgohostlab=true org.cgohostlab.kind=image
ENV PATH=/usr/local/go/bin:/usr/lib/go-1.26/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GOTOOLCHAIN=local \
    CGOHOSTLAB_REPORT_DIR=/report
WORKDIR /src
COPY . .
RUN if [ -d vendor ]; then export GOFLAGS=-mod=vendor; fi \
 && go test -c -o /usr/local/bin/cgohostlab-lab.test ./lab \
 && go build -o /usr/local/bin/cgohostlab ./cmd/cgohostlab
ENTRYPOINT ["/usr/local/bin/cgohostlab-lab.test", "-test.run", "TestMatrix", "-test.timeout", "2h"]
