# SPDX-License-Identifier: BSD-3-Clause
"""SRTP/SRTCP with one SDES key (AES_CM_128_HMAC_SHA1_80, RFC 4568) through
Debian's libsrtp2 (libsrtp2-1, ctypes): the lab video endpoint's side of
an SDES-SRTP video call (tests/e2e/lib/video_endpoint.py --srtp-*).

    tx = Srtp(base64_key_and_salt, outbound=True)
    wire = tx.protect(rtp)        # or protect_rtcp(rtcp)
    rx = Srtp(peer_key, outbound=False)
    rtp = rx.unprotect(wire)      # None when it does not authenticate
"""
import base64
import ctypes
import ctypes.util


class _CryptoPolicy(ctypes.Structure):
    _fields_ = [('cipher_type', ctypes.c_uint32), ('cipher_key_len', ctypes.c_int),
                ('auth_type', ctypes.c_uint32), ('auth_key_len', ctypes.c_int),
                ('auth_tag_len', ctypes.c_int), ('sec_serv', ctypes.c_int)]


class _Ssrc(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('value', ctypes.c_uint)]


class _Policy(ctypes.Structure):
    pass


_Policy._fields_ = [('ssrc', _Ssrc), ('rtp', _CryptoPolicy), ('rtcp', _CryptoPolicy),
                    ('key', ctypes.c_char_p), ('keys', ctypes.c_void_p),
                    ('num_master_keys', ctypes.c_ulong), ('deprecated_ekt', ctypes.c_void_p),
                    ('window_size', ctypes.c_ulong), ('allow_repeat_tx', ctypes.c_int),
                    ('enc_xtn_hdr', ctypes.c_void_p), ('enc_xtn_hdr_count', ctypes.c_int),
                    ('next', ctypes.POINTER(_Policy))]

_lib = ctypes.CDLL(ctypes.util.find_library('srtp2') or 'libsrtp2.so.1')
_lib.srtp_init()
SSRC_ANY_INBOUND, SSRC_ANY_OUTBOUND = 2, 3
TRAILER = 16 + 4                  # auth tag, SRTCP index


class Srtp:
    def __init__(self, key_b64, outbound):
        self.key = ctypes.create_string_buffer(base64.b64decode(key_b64), 30)
        p = _Policy()
        _lib.srtp_crypto_policy_set_rtp_default(ctypes.byref(p.rtp))
        _lib.srtp_crypto_policy_set_rtcp_default(ctypes.byref(p.rtcp))
        p.ssrc.type = SSRC_ANY_OUTBOUND if outbound else SSRC_ANY_INBOUND
        p.key = ctypes.cast(self.key, ctypes.c_char_p)
        p.window_size = 1024
        self.ctx = ctypes.c_void_p()
        rc = _lib.srtp_create(ctypes.byref(self.ctx), ctypes.byref(p))
        if rc != 0:
            raise OSError(f'srtp_create: {rc}')

    def _run(self, fn, data, grow):
        buf = ctypes.create_string_buffer(bytes(data), len(data) + grow)
        n = ctypes.c_int(len(data))
        if fn(self.ctx, buf, ctypes.byref(n)) != 0:
            return None
        return buf.raw[:n.value]

    def protect(self, rtp):
        return self._run(_lib.srtp_protect, rtp, TRAILER)

    def protect_rtcp(self, rtcp):
        return self._run(_lib.srtp_protect_rtcp, rtcp, TRAILER)

    def unprotect(self, srtp):
        return self._run(_lib.srtp_unprotect, srtp, 0)

    def unprotect_rtcp(self, srtcp):
        return self._run(_lib.srtp_unprotect_rtcp, srtcp, 0)
