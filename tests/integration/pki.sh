# pki.sh — sourced by the integration tests after lib.sh: a STIR/SHAKEN test PKI made at run
# time with the openssl CLI, and Debian's nginx serving it as an x5u host on loopback.
#
#   pki_make DIR            STI-CA (root.pem, inter.pem), leaves with TNAuthList, a CRL, the x5u
#                           documents under DIR/www and a TLS CA + server certificate for nginx.
#                           Silent on success; prints the failing command and openssl's error.
#   x5u_server_start DIR    nginx on a free loopback port serving DIR/www over https (and a plain
#                           http port for /tohttp/). Sets and exports X5U_PORT, X5U_BASE,
#                           X5U_HTTP_PORT, X5U_PID; writes DIR/x5u.port. Call it in the test's
#                           own shell (not in $(...)): nginx dies with the shell that started it.
#   x5u_server_stop DIR     TERM, wait (KILL after 5 s); the port is closed when it returns.
#   x5u_fetch_count DIR PATH
#                           how many requests for PATH (query string ignored) the access log has.
#
# Cleanup: x5u_server_start sets `trap x5u_cleanup EXIT`, which stops every nginx started here
# and then runs lib.sh's cleanup. A test that sets its own EXIT trap afterwards must call
# x5u_cleanup from it. All names used here start with pki_, x5u_ or _pk/_x5 (no `local`).
#
# Validity windows are relative to the real time at generation (PKI_NOW, seconds since the
# epoch, moves them for the STI certificates and CRLs; the TLS certificate always uses the real
# time). Mind lib.sh's pinned NOW: it is not the real time.
#
# Files under DIR after pki_make:
#   root.pem root.key inter.pem inter.key            STI-CA (ca-file = root.pem only)
#   other-root.pem other-inter.pem (+ .key)          an unrelated CA for `unknown`
#   <leaf>.pem <leaf>.key                            leaf certificate alone, its EC P-256 key
#   crl.pem                                          inter's CRL then root's CRL (PEM)
#   tls-ca.pem tls-ca.key tls-server.pem tls-server.key
#   www/<leaf>.pem                                   leaf then its intermediate
#   www/garbage.pem www/empty.pem www/big.pem www/keyonly.pem
# Leaves: one range spc multi expired future mismatch notnauth revoked unknown.

# shellcheck disable=SC2034 # for the tests that source this file
PKI_LEAVES="one range spc multi expired future mismatch notnauth revoked unknown"

# _pk_run CMD...: run, stderr to $_pk_dir/pki.log; on failure print the command and its error.
_pk_run() {
	if ! "$@" >>"$_pk_dir/pki.log" 2>"$_pk_dir/pki.err"; then
		echo "pki_make: failed: $*" >&2
		cat "$_pk_dir/pki.err" >&2
		return 1
	fi
}

# _pk_time OFFSET_SECONDS: an openssl time (YYYYMMDDHHMMSSZ) relative to the reference time.
_pk_time() {
	date -u -d "@$((_pk_now + $1))" +%Y%m%d%H%M%SZ
}

# _pk_key NAME: an EC P-256 key (SEC1 PEM) in DIR/NAME.key.
_pk_key() {
	_pk_run openssl ecparam -name prime256v1 -genkey -noout -out "$_pk_dir/$1.key" &&
		chmod 600 "$_pk_dir/$1.key"
}

# _pk_ca_init NAME: the openssl ca database and config for the CA whose cert/key are DIR/NAME.*
_pk_ca_init() {
	mkdir -p "$_pk_dir/ca-$1/new" || return 1
	: >"$_pk_dir/ca-$1/index.txt"
	echo 1000 >"$_pk_dir/ca-$1/crlnumber"
	openssl rand -hex 8 >"$_pk_dir/ca-$1/serial"
	cat >"$_pk_dir/ca-$1/ca.cnf" <<EOF
[ca]
default_ca = ca_default
[ca_default]
dir = $_pk_dir/ca-$1
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
serial = \$dir/serial
new_certs_dir = \$dir/new
certificate = $_pk_dir/$1.pem
private_key = $_pk_dir/$1.key
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
countryName = optional
organizationName = optional
commonName = supplied
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused
EOF
}

# _pk_issue CA NAME SUBJECT EXT_SECTION START_OFFSET END_OFFSET: DIR/NAME.pem signed by CA
# (CA = NAME with -selfsign) from DIR/NAME.key.
_pk_issue() {
	_pk_run openssl req -new -config "$_pk_dir/ca-$1/ca.cnf" -key "$_pk_dir/$2.key" \
		-subj "$3" -out "$_pk_dir/$2.csr" || return 1
	if [ "$1" = "$2" ]; then
		set -- "$@" -selfsign -keyfile "$_pk_dir/$2.key"
	fi
	_pk_ca=$1 _pk_name=$2 _pk_ext=$4 _pk_start=$5 _pk_end=$6
	shift 6
	_pk_run openssl ca -batch -notext -config "$_pk_dir/ca-$_pk_ca/ca.cnf" \
		-extfile "$_pk_dir/ext.cnf" -extensions "$_pk_ext" \
		-startdate "$(_pk_time "$_pk_start")" -enddate "$(_pk_time "$_pk_end")" \
		-in "$_pk_dir/$_pk_name.csr" -out "$_pk_dir/$_pk_name.pem" "$@" || return 1
	rm -f "$_pk_dir/$_pk_name.csr"
}

# _pk_tnauth SECTION ENTRY...: hex DER of a TNAuthList (EXPLICIT tags) built by
# openssl asn1parse -genconf. ENTRY: one:DIGITS | spc:CODE | range:START:COUNT
_pk_tnauth() {
	_pk_sec=$1
	shift
	_pk_i=0
	{
		echo "asn1 = SEQUENCE:tnauth"
		echo "[tnauth]"
		for _pk_e in "$@"; do
			_pk_i=$((_pk_i + 1))
			case $_pk_e in
			one:*) echo "e$_pk_i = EXP:2,IA5:${_pk_e#one:}" ;;
			spc:*) echo "e$_pk_i = EXP:0,IA5:${_pk_e#spc:}" ;;
			range:*) echo "e$_pk_i = EXP:1,SEQUENCE:range$_pk_i" ;;
			esac
		done
		_pk_i=0
		for _pk_e in "$@"; do
			_pk_i=$((_pk_i + 1))
			case $_pk_e in
			range:*)
				_pk_e=${_pk_e#range:}
				echo "[range$_pk_i]"
				echo "start = IA5:${_pk_e%%:*}"
				echo "count = INT:${_pk_e#*:}"
				;;
			esac
		done
	} >"$_pk_dir/tn-$_pk_sec.cnf"
	_pk_run openssl asn1parse -genconf "$_pk_dir/tn-$_pk_sec.cnf" -noout \
		-out "$_pk_dir/tn-$_pk_sec.der" || return 1
	od -An -v -tx1 "$_pk_dir/tn-$_pk_sec.der" | tr -d ' \n'
}

# _pk_leaf_ext SECTION [ENTRY...]: an extension section for a leaf (no TNAuthList without entries).
_pk_leaf_ext() {
	_pk_sec=$1
	shift
	if [ $# -gt 0 ]; then
		_pk_hex=$(_pk_tnauth "$_pk_sec" "$@") || return 1
	fi
	{
		echo "[$_pk_sec]"
		echo "basicConstraints = critical,CA:false"
		echo "keyUsage = critical,digitalSignature"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid:always"
		[ $# -eq 0 ] || echo "1.3.6.1.5.5.7.1.26 = DER:$_pk_hex"
	} >>"$_pk_dir/ext.cnf"
}

pki_make() {
	[ $# -eq 1 ] || { echo "usage: pki_make DIR" >&2; return 2; }
	mkdir -p "$1/www" || return 1
	_pk_dir=$(cd "$1" && pwd) || return 1
	_pk_real=$(date +%s)
	_pk_now=${PKI_NOW:-$_pk_real}
	: >"$_pk_dir/pki.log"
	_pk_day=86400
	cat >"$_pk_dir/ext.cnf" <<'EOF'
[v3_root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_inter]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_tls_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_tls_server]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
	_pk_leaf_ext leaf_one one:12025550100 &&
		_pk_leaf_ext leaf_range range:12025550200:100 &&
		_pk_leaf_ext leaf_spc spc:709J &&
		_pk_leaf_ext leaf_multi one:12025550100 one:12025550101 &&
		_pk_leaf_ext leaf_mismatch one:19995550100 &&
		_pk_leaf_ext leaf_notnauth || return 1

	# CAs: the STI-CA, an unrelated one, and the TLS CA. Valid from 60 days ago for 10 years.
	_pk_o="/C=US/O=danecid test"
	for _pk_c in root other-root inter other-inter tls-ca; do
		_pk_key "$_pk_c" && _pk_ca_init "$_pk_c" || return 1
	done
	_pk_issue root root "$_pk_o/CN=STI-CA root" v3_root $((-60 * _pk_day)) \
		$((3650 * _pk_day)) &&
		_pk_issue root inter "$_pk_o/CN=STI-CA intermediate" v3_inter $((-60 * _pk_day)) \
			$((3650 * _pk_day)) &&
		_pk_issue other-root other-root "$_pk_o/CN=other root" v3_root $((-60 * _pk_day)) \
			$((3650 * _pk_day)) &&
		_pk_issue other-root other-inter "$_pk_o/CN=other intermediate" v3_inter \
			$((-60 * _pk_day)) $((3650 * _pk_day)) || return 1

	# Leaves: NAME EXT ISSUER START END
	for _pk_row in "one leaf_one inter -1 30" "range leaf_range inter -1 30" \
		"spc leaf_spc inter -1 30" "multi leaf_multi inter -1 30" \
		"expired leaf_one inter -30 -1" "future leaf_one inter 10 40" \
		"mismatch leaf_mismatch inter -1 30" "notnauth leaf_notnauth inter -1 30" \
		"revoked leaf_one inter -1 30" "unknown leaf_one other-inter -1 30"; do
		# shellcheck disable=SC2086
		set -- $_pk_row
		_pk_key "$1" &&
			_pk_issue "$3" "$1" "$_pk_o/CN=SHAKEN $1" "$2" $(($4 * _pk_day)) \
				$(($5 * _pk_day)) || return 1
		cat "$_pk_dir/$1.pem" "$_pk_dir/$3.pem" >"$_pk_dir/www/$1.pem" || return 1
	done

	# CRLs: inter's (revoking `revoked`) then root's (empty); lastUpdate a day ago, next in 30.
	_pk_run openssl ca -batch -config "$_pk_dir/ca-inter/ca.cnf" \
		-revoke "$_pk_dir/revoked.pem" -crl_reason keyCompromise || return 1
	for _pk_c in inter root; do
		_pk_run openssl ca -batch -config "$_pk_dir/ca-$_pk_c/ca.cnf" -gencrl \
			-crl_lastupdate "$(_pk_time $((-_pk_day)))" \
			-crl_nextupdate "$(_pk_time $((30 * _pk_day)))" \
			-out "$_pk_dir/crl-$_pk_c.pem" || return 1
	done
	cat "$_pk_dir/crl-inter.pem" "$_pk_dir/crl-root.pem" >"$_pk_dir/crl.pem" || return 1

	# The odd x5u documents.
	_pk_run openssl rand -out "$_pk_dir/www/garbage.pem" 3000 || return 1
	: >"$_pk_dir/www/empty.pem"
	_pk_run openssl rand -out "$_pk_dir/rand.bin" 240000 || return 1
	{
		cat "$_pk_dir/www/one.pem"
		openssl base64 -in "$_pk_dir/rand.bin" | awk '
			NR % 48 == 1 { if (NR > 1) print "-----END CERTIFICATE-----"
				print "-----BEGIN CERTIFICATE-----" }
			{ print }
			END { print "-----END CERTIFICATE-----" }'
	} >"$_pk_dir/www/big.pem" || return 1
	rm -f "$_pk_dir/rand.bin"
	_pk_run openssl ecparam -name prime256v1 -genkey -noout -out "$_pk_dir/www/keyonly.pem" &&
		chmod 644 "$_pk_dir/www/keyonly.pem" ||
		return 1

	# TLS for nginx, valid at the real time whatever PKI_NOW says.
	_pk_now=$_pk_real
	_pk_issue tls-ca tls-ca "$_pk_o/CN=x5u TLS CA" v3_tls_ca $((-_pk_day)) $((30 * _pk_day)) &&
		_pk_key tls-server &&
		_pk_issue tls-ca tls-server "$_pk_o/CN=localhost" v3_tls_server $((-_pk_day)) \
			$((30 * _pk_day)) || return 1
	rm -f "$_pk_dir/pki.err"
}

# ---- the x5u host ------------------------------------------------------------------------

NGINX=${NGINX:-}
_x5u_dirs=

# _x5_port_free PORT: nothing listens on 127.0.0.1:PORT (TCP).
_x5_port_free() {
	! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# x5u_cleanup: stop every nginx started here, then lib.sh's cleanup (if there is one).
x5u_cleanup() {
	for _x5_d in $_x5u_dirs; do
		x5u_server_stop "$_x5_d"
	done
	if command -v cleanup >/dev/null 2>&1; then
		cleanup
	fi
}

x5u_server_start() {
	[ $# -eq 1 ] || { echo "usage: x5u_server_start DIR" >&2; return 2; }
	_x5_dir=$(cd "$1" && pwd) || return 1
	if [ -z "$NGINX" ]; then
		NGINX=$(command -v nginx || true)
		[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
	fi
	if [ -z "$NGINX" ]; then
		echo "x5u_server_start: nginx not found (install the nginx package)" >&2
		return 1
	fi
	# nginx dies with this shell even if it is killed outright (setpriv --pdeathsig).
	_x5_pdeath=
	if setpriv --pdeathsig TERM true 2>/dev/null; then
		_x5_pdeath="setpriv --pdeathsig TERM"
	fi
	case " $_x5u_dirs " in
	*" $_x5_dir "*) ;;
	*) _x5u_dirs="$_x5u_dirs $_x5_dir" ;;
	esac
	trap x5u_cleanup EXIT
	x5u_server_stop "$_x5_dir"
	mkdir -p "$_x5_dir/nginx-tmp" || return 1
	_x5_tries=0
	while [ $_x5_tries -lt 20 ]; do
		_x5_tries=$((_x5_tries + 1))
		_x5_port=$((20000 + ($$ * 13 + _x5_tries * 7919 + $(date +%N | sed 's/^0*//') % 9973) % 30000))
		_x5_hport=$((_x5_port + 1))
		if ! _x5_port_free "$_x5_port" || ! _x5_port_free "$_x5_hport"; then
			continue
		fi
		cat >"$_x5_dir/nginx.conf" <<EOF
# x5u test host (tests/integration/pki.sh)
daemon off;
master_process off;
worker_processes 1;
pid $_x5_dir/nginx.pid;
lock_file $_x5_dir/nginx.lock;
error_log $_x5_dir/error.log info;
events {
	worker_connections 256;
}
http {
	types {
		application/pem-certificate-chain pem;
	}
	default_type application/octet-stream;
	log_format x5u '\$msec \$server_port \$status \$request_uri \$body_bytes_sent \$request_method';
	# x5u_server_start's readiness probe is not logged: counts are the tests' own requests.
	map \$http_user_agent \$x5u_logged {
		x5u-ready 0;
		default 1;
	}
	access_log $_x5_dir/access.log x5u if=\$x5u_logged;
	client_body_temp_path $_x5_dir/nginx-tmp/body;
	proxy_temp_path $_x5_dir/nginx-tmp/proxy;
	fastcgi_temp_path $_x5_dir/nginx-tmp/fastcgi;
	uwsgi_temp_path $_x5_dir/nginx-tmp/uwsgi;
	scgi_temp_path $_x5_dir/nginx-tmp/scgi;
	server_tokens off;
	keepalive_timeout 10s;

	server {
		listen 127.0.0.1:$_x5_port ssl;
		server_name localhost;
		ssl_certificate $_x5_dir/tls-server.pem;
		ssl_certificate_key $_x5_dir/tls-server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $_x5_dir/www;

		location / {
			add_header Cache-Control "max-age=300";
		}
		location /short/ {
			alias $_x5_dir/www/;
			add_header Cache-Control "max-age=2";
		}
		location /nostore/ {
			alias $_x5_dir/www/;
			add_header Cache-Control "no-store";
		}
		location /slow/ {
			alias $_x5_dir/www/;
			add_header Cache-Control "max-age=300";
			limit_rate_after 0;
			limit_rate 1;
		}
		location /slowish/ {
			alias $_x5_dir/www/;
			add_header Cache-Control "max-age=300";
			limit_rate_after 0;
			limit_rate 1000;
		}
		location ~ ^/redir/(.*)\$ {
			return 302 https://127.0.0.1:$_x5_port/\$1;
		}
		location /loop/ {
			return 302 https://127.0.0.1:$_x5_port\$request_uri;
		}
		location ~ ^/tohttp/(.*)\$ {
			return 302 http://127.0.0.1:$_x5_hport/\$1;
		}
	}
	# Plain http, the target of /tohttp/: a client that follows would get the document.
	server {
		listen 127.0.0.1:$_x5_hport;
		server_name localhost;
		root $_x5_dir/www;
		location / {
			add_header Cache-Control "max-age=300";
		}
	}
}
EOF
		: >"$_x5_dir/error.log"
		# shellcheck disable=SC2086
		$_x5_pdeath "$NGINX" -p "$_x5_dir" -c "$_x5_dir/nginx.conf" -e "$_x5_dir/error.log" \
			</dev/null >>"$_x5_dir/nginx.out" 2>&1 &
		X5U_PID=$!
		echo "$X5U_PID" >"$_x5_dir/nginx.pid"
		_x5_i=0
		while [ $_x5_i -lt 50 ]; do
			if curl -fsS -o /dev/null -m 1 -A x5u-ready --cacert "$_x5_dir/tls-ca.pem" \
				"https://127.0.0.1:$_x5_port/one.pem" 2>/dev/null; then
				X5U_PORT=$_x5_port
				X5U_HTTP_PORT=$_x5_hport
				X5U_BASE=https://127.0.0.1:$X5U_PORT
				export X5U_PORT X5U_HTTP_PORT X5U_BASE X5U_PID
				echo "$X5U_PORT" >"$_x5_dir/x5u.port"
				return 0
			fi
			kill -0 "$X5U_PID" 2>/dev/null || break
			sleep 0.1
			_x5_i=$((_x5_i + 1))
		done
		x5u_server_stop "$_x5_dir"
		# Lost a race for the port: try another; anything else is fatal.
		grep -q 'Address already in use' "$_x5_dir/error.log" "$_x5_dir/nginx.out" 2>/dev/null ||
			break
	done
	echo "x5u_server_start: nginx did not start; $_x5_dir/error.log:" >&2
	cat "$_x5_dir/error.log" "$_x5_dir/nginx.out" >&2 2>/dev/null
	return 1
}

x5u_server_stop() {
	[ $# -eq 1 ] || { echo "usage: x5u_server_stop DIR" >&2; return 2; }
	[ -f "$1/nginx.pid" ] || return 0
	_x5_pid=$(cat "$1/nginx.pid")
	rm -f "$1/nginx.pid"
	[ -n "$_x5_pid" ] || return 0
	if kill -TERM "$_x5_pid" 2>/dev/null; then
		_x5_i=0
		while kill -0 "$_x5_pid" 2>/dev/null && [ $_x5_i -lt 100 ]; do
			sleep 0.05
			_x5_i=$((_x5_i + 1))
		done
		! kill -0 "$_x5_pid" 2>/dev/null || kill -KILL "$_x5_pid" 2>/dev/null
	fi
	wait "$_x5_pid" 2>/dev/null
	[ "${X5U_PID:-}" != "$_x5_pid" ] || X5U_PID=
	return 0
}

x5u_fetch_count() {
	[ $# -eq 2 ] || { echo "usage: x5u_fetch_count DIR PATH" >&2; return 2; }
	# nginx logs a request just after its last byte is sent: let the log settle.
	_x5_prev=-1
	_x5_i=0
	while [ $_x5_i -lt 20 ]; do
		_x5_n=$(awk -v p="$2" '{ u = $4; sub(/\?.*/, "", u) } u == p { n++ } END { print n + 0 }' \
			"$1/access.log" 2>/dev/null)
		[ -n "$_x5_n" ] || _x5_n=0
		[ "$_x5_n" != "$_x5_prev" ] || break
		_x5_prev=$_x5_n
		sleep 0.05
		_x5_i=$((_x5_i + 1))
	done
	echo "$_x5_n"
}
