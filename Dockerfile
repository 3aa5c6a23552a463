# vcdlb container image: build on Debian bookworm, run on bookworm-slim as non-root.
#
#   docker build -t vcdlb:0.1.0 .
#
# The runtime stage gets exactly the shared libraries the binary links (found with ldd and
# dpkg in the build stage), plus ca-certificates for VCD's TLS certificate chain.

# ---- build ---------------------------------------------------------------------------------
FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN bash /src/scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVCDLB_BUILD_TESTS=OFF \
 && cmake --build /build --target vcdlb \
 && install -D -s -m 0755 /build/bin/vcdlb /out/usr/local/bin/vcdlb \
 && sh /src/deploy/docker/runtime-packages.sh /out/usr/local/bin/vcdlb > /out/runtime-packages \
 && cat /out/runtime-packages

# ---- runtime -------------------------------------------------------------------------------
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin nonroot
COPY --from=build /out/usr/local/bin/vcdlb /usr/local/bin/vcdlb
USER 65532:65532
# The ops endpoint (/metrics, /healthz, /readyz).
EXPOSE 10271
ENTRYPOINT ["/usr/local/bin/vcdlb"]
