// Trapeze demo web phone: the message pane (text messages, SIP MESSAGE).
//
// To: a number or SIP URI as for a call; the list shows every message sent
// (with its delivery report: the far end's SIP status) and received.  For
// tests the pane's state is `window.phone.messages`: [{dir: 'out'|'in',
// peer, body, status: 'sending'|'delivered'|'failed'|'refused'|'received',
// code?, reason?}].

/** SIP statuses of a delivery report in plain words. */
const REPORT_WORDS = {
  404: 'not found', 408: 'no answer', 413: 'too large', 415: 'type not accepted',
  480: 'unavailable', 486: 'busy', 488: 'not acceptable', 503: 'service unavailable',
  603: 'declined',
};

/** Plain words for the gateway's refusals of a message. */
const REFUSAL_WORDS = {
  'too-big': 'too long for the gateway',
  'rate-limited': 'too many messages; wait a minute',
  'no-route': 'no route to that address',
  'bad-target': 'not a number or SIP address',
  forbidden: 'your login may not send there',
  'bad-message': 'not accepted by the gateway',
  'not-logged-in': 'log in first',
  timeout: 'no report from the gateway',
};

/**
 * Wire the pane to `client`.
 * @param {import('./trapeze.js').TrapezeClient} client
 * @param {{log: (text: string) => void, isLoggedIn: () => boolean, phone: object}} ui
 * @returns {{refresh: () => void}} refresh() after a login state change
 */
export function initMessages(client, ui) {
  const $ = (id) => document.getElementById(id);
  const form = $('msg-form');
  const to = $('msg-to');
  const text = $('msg-text');
  const send = $('msg-send');
  const list = $('msg-list');
  const items = [];
  ui.phone.messages = items;

  function render(item) {
    if (!item.li) {
      item.li = document.createElement('li');
      item.li.className = `msg msg-${item.dir}`;
      const head = document.createElement('span');
      head.className = 'msg-head';
      const body = document.createElement('span');
      body.className = 'msg-body';
      body.textContent = item.body;          // text only: never parsed as HTML
      const state = document.createElement('span');
      state.className = 'msg-state';
      item.li.append(head, body, state);
      list.append(item.li);
      while (list.children.length > 100) list.firstElementChild.remove();
    }
    const [head, , state] = item.li.children;
    head.textContent = `${item.dir === 'out' ? 'to' : 'from'} ${item.peer} · ${item.time}`;
    let words = item.status;
    if (item.status === 'delivered') words = `delivered (${item.code})`;
    if (item.status === 'failed') words = `not delivered: ${item.code} ${REPORT_WORDS[item.code] || item.reason || ''}`.trim();
    if (item.status === 'refused') words = `not sent: ${REFUSAL_WORDS[item.code] || item.reason || item.code}`;
    state.textContent = words;
    item.li.dataset.status = item.status;
    list.scrollTop = list.scrollHeight;
  }

  function add(item) {
    item.time = new Date().toLocaleTimeString();
    items.push(item);
    render(item);
    return item;
  }

  function refresh() {
    send.disabled = !ui.isLoggedIn() || !to.value.trim() || !text.value;
  }

  async function sendNow() {
    const peer = to.value.trim();
    const body = text.value;
    if (!peer || !body) return;
    const item = add({ dir: 'out', peer, body, status: 'sending' });
    text.value = '';
    refresh();
    try {
      const r = await client.sendMessage(peer, body);
      Object.assign(item, { status: r.delivered ? 'delivered' : 'failed', code: r.code, reason: r.reason });
      ui.log(`message to ${peer}: ${r.code} ${r.reason}`);
    } catch (e) {
      Object.assign(item, { status: 'refused', code: e.code, reason: e.message });
      ui.log(`message to ${peer} refused: ${e.code} ${e.message}`);
    }
    render(item);
  }

  client.addEventListener('textmessage', (e) => {
    add({ dir: 'in', peer: e.display ? `${e.display} <${e.from}>` : e.from, body: e.body,
      status: 'received', contentType: e.contentType, msgid: e.msgid });
    ui.log(`message from ${e.from} (${e.body.length} characters)`);
    if (!to.value.trim() && e.from) to.value = e.from;    // reply to the sender
    refresh();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sendNow();
  });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !send.disabled) {
      ev.preventDefault();
      sendNow();
    }
  });
  to.addEventListener('input', refresh);
  text.addEventListener('input', refresh);
  refresh();
  return { refresh };
}
