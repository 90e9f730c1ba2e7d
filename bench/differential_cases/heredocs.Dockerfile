FROM a
RUN python3 <<EOF
print(1)
EOF
COPY <<-"A" <<B /dir/
	one
	A
two
B
RUN cat <<X > /f && cat <<'Y'
x
X
y
Y
RUN 3<<Z cat
z
Z
RUN cat << NOTHEREDOC
RUN echo "<<Q" <<R
r
R
ONBUILD RUN <<S
s
S
RUN ["cat", "<<T"]
RUN --mount=type=cache,target=/x <<U
u
U
ADD <<V /v
	v
V
RUN <<W \
  && echo x
w
W
