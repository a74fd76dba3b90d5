# The cgohostlab runner image: the lab in a container, driving the host's
# Docker engine through its socket, for machines without Go.
#
# BASE must be a Debian-based image with Go 1.26 or later and gcc, for
# example one made from Debian's golang-1.26-go package.
#
#   docker build --build-arg BASE=IMAGE -t cgohostlab-runner .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock \
#       -v "$PWD/report:/src/report" cgohostlab-runner
#
# NOTE: the lab bind-mounts the GOROOT of the Go that runs it into its
# cell containers. From inside this container that path is not on the
# engine's host, so the runner needs the lab to copy the toolchain into a
# volume instead; until the lab does, this image does not run cells.
ARG BASE
FROM ${BASE}
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go test -c -o /usr/local/bin/cgohostlab.test ./lab
ENV CGOHOSTLAB_REPORT_DIR=/src/report
ENTRYPOINT ["/usr/local/bin/cgohostlab.test", "-test.v", "-test.short"]
