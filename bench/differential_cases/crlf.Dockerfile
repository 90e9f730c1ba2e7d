# syntax=docker/dockerfile:1
FROM a
RUN echo \
  b
RUN <<EOF
x
EOF
ENV A=1 \
  B=2
