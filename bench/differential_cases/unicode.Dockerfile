FROM a
LABEL é=ü
RUN echo ♥  x
ENV K 　 v
CMD ["\ud83d\ude00", "\u00e9"]
RUN echo  
