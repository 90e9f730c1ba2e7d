# escape=`
FROM a
RUN echo `
  b
ENV A=x`"y B='a`'b'
RUN dir c:\
COPY a\b c:\d\
