FROM a
RUN a \
# c

  b \
   
 c
RUN x \
\
y
RUN z \  	
w
ENV A=\\
ENV B=c\\ \
d
LABEL a=b \

