#ifndef BGBFLEET_COPENSSLCRYPTO_SHIM_H
#define BGBFLEET_COPENSSLCRYPTO_SHIM_H
/* The system's OpenSSL 3 libcrypto, for the RSA-2048 work where it is faster than the BoringSSL
 * copies inside swift-crypto: key generation for identity pools and PKCS#1 v1.5 SHA-256 signing
 * (registration, HTTP PayloadSignature). Small C helpers keep macros and out-parameters out of Swift. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#include <string.h>

/* Generates an RSA key of `bits` (e = 65537) and returns its PKCS#8 DER in *out (free with
 * OPENSSL_free via bgb_free), or -1. */
static inline int bgb_rsa_generate_pkcs8(int bits, unsigned char **out) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
    EVP_PKEY *pkey = NULL;
    int length = -1;
    if (ctx == NULL) return -1;
    if (EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1 &&
        EVP_PKEY_keygen(ctx, &pkey) == 1) {
        PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(pkey);
        if (info != NULL) {
            *out = NULL;
            length = i2d_PKCS8_PRIV_KEY_INFO(info, out);
            PKCS8_PRIV_KEY_INFO_free(info);
        }
    }
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    return length;
}

static inline void bgb_free(void *pointer) { OPENSSL_free(pointer); }

/* Parses a PKCS#8 (or PKCS#1) DER private key; NULL on failure. */
static inline EVP_PKEY *bgb_load_private_key(const unsigned char *der, long length) {
    const unsigned char *cursor = der;
    return d2i_AutoPrivateKey(NULL, &cursor, length);
}

static inline void bgb_free_key(EVP_PKEY *key) { EVP_PKEY_free(key); }

/* RSASSA-PKCS1-v1_5 over a SHA-256 digest (32 bytes); writes the big-endian signature into `signature`
 * (capacity *length) and sets *length. Returns 1 on success. */
static inline int bgb_rsa_sign_sha256_digest(EVP_PKEY *key, const unsigned char *digest,
                                             unsigned char *signature, size_t *length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    int ok = 0;
    if (ctx == NULL) return 0;
    if (EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
        EVP_PKEY_sign(ctx, signature, length, digest, 32) == 1) {
        ok = 1;
    }
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static inline int bgb_key_size_bytes(EVP_PKEY *key) { return EVP_PKEY_get_size(key); }
#endif
