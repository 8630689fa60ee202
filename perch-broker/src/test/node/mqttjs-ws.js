// Connects to Perch over WebSocket with MQTT.js (v3.1.1 and v5), subscribes, publishes at
// QoS 0/1/2 and a retained message, and prints one JSON line with what arrived.
// Usage: node mqttjs-ws.js ws://127.0.0.1:PORT/mqtt
const mqtt = require('mqtt');
const url = process.argv[2];

function run(protocolVersion) {
  return new Promise((resolve, reject) => {
    const got = [];
    const tag = 'v' + protocolVersion;
    const client = mqtt.connect(url, { protocolVersion, clientId: 'mqttjs-' + tag, clean: true, reconnectPeriod: 0 });
    const timer = setTimeout(() => { client.end(true); reject(new Error(tag + ' timed out, got ' + JSON.stringify(got))); }, 10000);
    client.on('error', (e) => { clearTimeout(timer); reject(e); });
    client.on('message', (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
      if (got.length === 4) {
        clearTimeout(timer);
        client.end(false, () => resolve({ version: protocolVersion, got }));
      }
    });
    client.on('connect', () => {
      client.publish('js/' + tag + '/retained', 'kept', { qos: 1, retain: true }, () => {
        client.subscribe('js/' + tag + '/#', { qos: 2 }, (err) => {
          if (err) { reject(err); return; }
          for (const q of [0, 1, 2]) client.publish('js/' + tag + '/q' + q, 'hello' + q, { qos: q });
        });
      });
    });
  });
}

(async () => {
  try {
    const results = [await run(4), await run(5)];
    console.log(JSON.stringify(results));
  } catch (e) {
    console.error(String(e));
    process.exit(1);
  }
})();
