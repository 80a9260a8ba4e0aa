// Checks okrbot's Adaptive Cards and Teams app manifest with Microsoft's
// own packages: adaptivecards parses and validates each card as Adaptive
// Cards 1.5 and renders it (in jsdom, with markdown-it as its Markdown
// processor, as a browser would), and @microsoft/app-manifest validates
// the manifest against the Teams schema it names. The text each card
// shows goes to DIR/rendered/NAME.txt, one element a line, for the Go
// test to read; Markdown made of the text (a code block, a list, a link,
// emphasis) is a problem, since okrbot never writes Markdown. Run by
// TestCardsPassMicrosoftsParsers:
//
//   NODE_PATH=…/node_modules node check.cjs DIR
//
// where DIR holds cards/*.json and manifest.json. It prints every problem
// and exits 1 if there is any.
"use strict";

const fs = require("fs");
const path = require("path");
const { JSDOM } = require("jsdom");
const markdownIt = require("markdown-it");

// adaptivecards renders into the DOM of a browser, through its globals;
// jsdom is one, but for innerText, which the renderer sets on text runs.
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { url: "https://okrbot.test/" });
global.window = dom.window;
for (const k of Object.getOwnPropertyNames(dom.window)) {
  if (!(k in global)) {
    global[k] = dom.window[k];
  }
}
Object.defineProperty(dom.window.HTMLElement.prototype, "innerText", {
  get() { return this.textContent; },
  set(v) { this.textContent = v; },
  configurable: true,
});
const AC = require("adaptivecards/dist/adaptivecards.js");
const md = markdownIt();
AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = md.render(text);
  result.didProcess = true;
};
const { AppManifestUtils } = require("@microsoft/app-manifest");

const dir = process.argv[2];
const problems = [];

// Teams reads these beyond Adaptive Cards 1.5: the msteams object (width,
// mention entities) and the people picker's choices.data, which Teams
// supports since 1.2 and the library files under 1.6.
const teamsExtensions = new Set(["msteams", "choices.data"]);

function checkCard(name, card) {
  const size = Buffer.byteLength(JSON.stringify(card));
  if (size > 28 * 1024) {
    problems.push(`${name}: ${size} bytes, over Teams' 28 KB`);
  }
  const ac = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ctx.targetVersion = AC.Versions.v1_5;
  ac.parse(card, ctx);
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    if (e.event === AC.ValidationEvent.UnsupportedProperty && e.message.includes('"choices.data"')) {
      continue;
    }
    problems.push(`${name}: parse: ${e.message}`);
  }
  for (const e of ac.validateProperties().validationEvents) {
    // A people picker has no static choices: Teams fills it from the
    // directory as the person types.
    if (e.event === AC.ValidationEvent.CollectionCantBeEmpty && e.source && e.source.getJsonTypeName() === "Input.ChoiceSet") {
      continue;
    }
    problems.push(`${name}: validate: ${e.message}`);
  }
  // What the library does not keep, it did not understand.
  dropped(name, card, ac.toJSON(), "");
  render(name, ac);
}

// render renders a parsed card and writes the text it shows.
function render(name, ac) {
  const el = ac.render();
  if (!el) {
    problems.push(`${name}: render: nothing rendered`);
    return;
  }
  document.body.appendChild(el);
  for (const tag of ["pre", "code", "h1", "h2", "h3", "ul", "ol", "blockquote", "strong", "em", "a", "img"]) {
    for (const found of el.querySelectorAll(`.ac-textBlock ${tag}`)) {
      problems.push(`${name}: render: text read as Markdown, <${tag}>${found.textContent}</${tag}>`);
    }
  }
  const lines = [];
  for (const t of el.querySelectorAll(".ac-textBlock, .ac-richTextBlock")) {
    lines.push(t.textContent.replace(/\n+$/, ""));
  }
  fs.mkdirSync(path.join(dir, "rendered"), { recursive: true });
  fs.writeFileSync(path.join(dir, "rendered", name.replace(/\.json$/, ".txt")), lines.join("\n") + "\n");
  el.remove();
}

// dropped reports properties of sent that the parsed card lost, other than
// Teams' extensions and properties left at their defaults.
function dropped(name, sent, kept, where) {
  if (Array.isArray(sent)) {
    sent.forEach((v, i) => dropped(name, v, Array.isArray(kept) ? kept[i] : undefined, `${where}[${i}]`));
    return;
  }
  if (sent === null || typeof sent !== "object") {
    return;
  }
  if (where.endsWith(".data")) {
    return; // action data is the bot's own, passed through as it is
  }
  for (const [k, v] of Object.entries(sent)) {
    if (teamsExtensions.has(k)) {
      continue;
    }
    const has = kept && typeof kept === "object" && k in kept;
    const isDefault = v === false || v === "" || v === 0 || v === "default" || v === "Default" || (Array.isArray(v) && v.length === 0);
    if (!has && !isDefault) {
      problems.push(`${name}: ${where}.${k} = ${JSON.stringify(v)} not understood`);
      continue;
    }
    if (has) {
      dropped(name, v, kept[k], `${where}.${k}`);
    }
  }
}

async function main() {
  const cardsDir = path.join(dir, "cards");
  const names = fs.readdirSync(cardsDir).filter((f) => f.endsWith(".json")).sort();
  for (const f of names) {
    checkCard(f, JSON.parse(fs.readFileSync(path.join(cardsDir, f), "utf8")));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  const version = manifest.manifestVersion;
  const schemaFile = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
  for (const e of await AppManifestUtils.validateAgainstSchema(manifest, schema)) {
    problems.push(`manifest.json: ${e}`);
  }
  for (const p of problems) {
    console.log(p);
  }
  console.log(`${names.length} cards and manifest ${version} checked: ${problems.length} problems`);
  process.exit(problems.length > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
