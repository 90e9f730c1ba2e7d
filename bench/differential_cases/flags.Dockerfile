FROM --platform=$BUILDPLATFORM a AS b
COPY --chown=1:1 --from=b "--x" /y
RUN --mount=type=secret,id=x,required --network=none echo
RUN --security=insecure -- echo --x
COPY --link=true --parents a/ b/
RUN --a="b c" --d='e' x
RUN --=x y
RUN --x\ y z
