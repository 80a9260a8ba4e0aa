// Package secret seals secrets at rest, such as the Slack tokens of each
// installation, with AES-256-GCM from the standard library.
//
// Keys come from one setting, OKRBOT_SECRET_KEY: one or more keys separated
// by commas, each 32 random bytes in standard base64 (openssl rand -base64
// 32 prints one). The first key seals everything written; every key opens.
// A sealed secret names the key that sealed it, so opening never has to try
// keys in turn, and rotating means putting a new key first, re-sealing what
// is stored (okrbot rotate-key), then dropping the old key.
//
// secret imports only the standard library, and must never import any
// okrbot package: the store uses it, not the other way round.
package secret
