'use strict'
// Runs sm-crypto for tests/protocol/test_sm_channel.py: a JSON array of calls on stdin, one
// {"op": ..., ...args} each; a JSON array of results on stdout.  Bytes travel as lowercase hex.
const fs = require('fs')
const { sm2, sm3, sm4 } = require('sm-crypto')

const fromHex = (hex) => Array.from(Buffer.from(hex, 'hex'))
const toHex = (bytes) => Buffer.from(bytes).toString('hex')

const ops = {
  sm3: ({ hex }) => sm3(fromHex(hex)),
  sm4Encrypt: ({ keyHex, hex }) => sm4.encrypt(fromHex(hex), keyHex),
  sm4Decrypt: ({ keyHex, hex }) => toHex(sm4.decrypt(hex, keyHex, { output: 'array' })),
  sm2PublicKey: ({ privateHex }) => sm2.getPublicKeyFromPrivateKey(privateHex),
  // message is a string: sm-crypto signs its UTF-8 bytes, as the NHSA portal does.
  sm2Sign: ({ message, privateHex, publicHex, userId }) =>
    sm2.doSignature(message, privateHex, { hash: true, der: false, publicKey: publicHex, userId }),
  sm2Verify: ({ message, signatureHex, publicHex, userId }) =>
    sm2.doVerifySignature(message, signatureHex, publicHex, { hash: true, der: false, userId }),
}

const calls = JSON.parse(fs.readFileSync(0, 'utf8'))
const results = calls.map(({ op, ...args }) => {
  if (!ops[op]) throw new Error(`unknown op ${op}`)
  return ops[op](args)
})
process.stdout.write(JSON.stringify(results))
