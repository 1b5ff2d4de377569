// Offer only the chosen account's opportunities (the server checks the same rule).
(function () {
  const form = document.getElementById("calc-step1");
  if (!form) return;
  function sync() {
    const isNew = form.querySelector("#customer_new").checked;
    const account = isNew ? "" : form.querySelector("#account_id").value;
    for (const sel of [form.querySelector("#opportunity_id"), form.querySelector("#parent_id")]) {
      for (const opt of sel.options) {
        if (!opt.dataset.account) continue;
        opt.hidden = opt.dataset.account !== account;
        if (opt.hidden && opt.selected) sel.value = "";
      }
    }
  }
  form.addEventListener("change", sync);
  sync();
})();
