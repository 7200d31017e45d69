#!/usr/bin/env bash
# Makes a test certificate authority for one Cohort cluster and a key pair signed by it for each
# node, with the JDK's keytool only. Every node gets:
#   OUT/<node>.p12   its private key and certificate chain (PKCS#12 key store)
#   OUT/truststore.p12  the cohort's CA certificate only: a node trusts exactly the nodes it signed
# and OUT/password holds the store password (generated; readable by the owner only).
#
#   deploy/tls/make-certs.sh OUT_DIR NODE [NODE...]
#   COHORT_TLS_DIR=OUT_DIR COHORT_TLS_NODE=node-1 ./cohort node ... --overlay tls
#
# For tests and private clusters. In production use your organisation's CA: cluster-config's
# tls.conf only needs a key store and a trust store.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR NODE [NODE...]" >&2
  exit 2
fi
out=$1
shift
keytool=${JAVA_HOME:+$JAVA_HOME/bin/}keytool
command -v "$keytool" >/dev/null || { echo "error: keytool not found (install a JDK or set JAVA_HOME)" >&2; exit 1; }

mkdir -p "$out"
umask 077
if [ ! -f "$out/password" ]; then
  head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$out/password"
fi
pass=$(cat "$out/password")
days=${COHORT_TLS_DAYS:-365}

if [ ! -f "$out/ca.p12" ]; then
  "$keytool" -genkeypair -noprompt -alias ca -keyalg EC -groupname secp256r1 -validity "$days" \
    -dname "CN=Cohort test CA" -ext bc:c -ext KeyUsage=keyCertSign,cRLSign \
    -keystore "$out/ca.p12" -storetype PKCS12 -storepass "$pass"
  "$keytool" -exportcert -rfc -alias ca -keystore "$out/ca.p12" -storepass "$pass" > "$out/ca.pem"
  "$keytool" -importcert -noprompt -alias cohort-ca -file "$out/ca.pem" \
    -keystore "$out/truststore.p12" -storetype PKCS12 -storepass "$pass"
fi

for node in "$@"; do
  store="$out/$node.p12"
  rm -f "$store"
  "$keytool" -genkeypair -noprompt -alias node -keyalg EC -groupname secp256r1 -validity "$days" \
    -dname "CN=$node" -keystore "$store" -storetype PKCS12 -storepass "$pass"
  "$keytool" -certreq -alias node -keystore "$store" -storepass "$pass" > "$out/$node.csr"
  "$keytool" -gencert -rfc -alias ca -keystore "$out/ca.p12" -storepass "$pass" -validity "$days" \
    -ext "SAN=dns:$node,dns:localhost,ip:127.0.0.1" -ext KeyUsage=digitalSignature \
    -ext ExtendedKeyUsage=serverAuth,clientAuth \
    -infile "$out/$node.csr" > "$out/$node.pem"
  # The chain: the CA first, then the node's certificate signed by it.
  "$keytool" -importcert -noprompt -alias ca -file "$out/ca.pem" -keystore "$store" -storepass "$pass"
  "$keytool" -importcert -noprompt -alias node -file "$out/$node.pem" -keystore "$store" -storepass "$pass"
  rm -f "$out/$node.csr"
  echo "$store"
done
