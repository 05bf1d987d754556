# /etc/keyward/keyward.env from `keyward init`'s .env.example: the same
# commented list of keys and alert channels, with every assignment commented
# out (a fresh install holds no made-up keys or SMTP servers) and a header
# for its place in the package. cmake -DIN=.env.example -DOUT=keyward.env -P this
file(READ "${IN}" text)
# Drop .env.example's own first paragraph ("copy it to .env ...").
string(FIND "${text}" "\n\n" end_of_header)
math(EXPR body_start "${end_of_header} + 1")
string(SUBSTRING "${text}" ${body_start} -1 body)
string(REGEX REPLACE "\n([A-Z][A-Z0-9_]*=)" "\n# \\1" body "${body}")
file(WRITE "${OUT}"
"# /etc/keyward/keyward.env: the keys, alert channels and admin token of the
# keyward service (`keyward init`'s .env.example, every line commented out).
# Keep it root's and mode 0600: systemd hands the service a private copy at
# start (LoadCredential= in keyward.service). Uncomment and fill in, then
#   systemctl restart keyward     (a reload re-reads the copy made at start)
${body}")
