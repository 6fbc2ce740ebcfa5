// E2E: a real JsSIP web phone (npm package, in Debian's Chromium, namespace
// web) against the gateway's SIP-over-WebSocket edge (RFC 7118): REGISTER
// with digest at Kamailio through the gateway, a wrong password (403), plain
// ws:// on /sip, a call to the echo PBX with audio both ways, a call from
// sipp through Kamailio, hold/resume both ways, a rejected call (486), DTMF
// by INFO, MESSAGE between two browsers, a second device cancelled when the
// first answers, un-REGISTER when the WebSocket closes.  The scenarios:
// lib/sipws_scenarios.mjs (the same for JsSIP and SIP.js).  Run by
// lab_echo.sh.

import { sipwsScenarios } from './lib/sipws_scenarios.mjs';

await sipwsScenarios('jssip');
