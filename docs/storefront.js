/* Touchpoint storefront client: sends Segment-spec calls to POST /events with the public write
 * key and, for a signed-in shopper, the user hash the shop's server computed. Set before it:
 *   window.TOUCHPOINT = {api: "https://api.example", writeKey: "...", userId: "...", userHash: "..."}
 * (userId and userHash only when a shopper is signed in). Each call resolves to the on-site answer. */
(function () {
  var settings = window.TOUCHPOINT || {};
  function anonymousId() {
    var id = localStorage.getItem("touchpoint_anonymous_id");
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem("touchpoint_anonymous_id", id);
    }
    return id;
  }
  function send(call) {
    call.messageId = crypto.randomUUID();
    call.anonymousId = anonymousId();
    call.timestamp = new Date().toISOString();
    call.context = {locale: navigator.language, page: {url: location.href}, traits: {}};
    if (settings.userId && settings.userHash) {
      call.userId = settings.userId;
      call.context.traits.user_hash = settings.userHash;
    }
    return fetch(settings.api + "/events", {
      method: "POST",
      headers: {
        "Authorization": "Basic " + btoa(settings.writeKey + ":"),
        "Content-Type": "application/json"
      },
      body: JSON.stringify(call)
    }).then(function (response) {
      if (!response.ok) throw new Error("touchpoint answered " + response.status);
      return response.json();
    });
  }
  window.touchpoint = {
    identify: function (traits) { return send({type: "identify", traits: traits || {}}); },
    track: function (event, properties) {
      return send({type: "track", event: event, properties: properties || {}});
    },
    page: function (properties) { return send({type: "page", properties: properties || {}}); }
  };
})();
