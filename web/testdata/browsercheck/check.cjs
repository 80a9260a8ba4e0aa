// The dashboard in a real headless Chromium: sign-in, every page at 375 px
// wide, axe-core on each, the charts, the period switcher, sign-out and a
// reused sign-in link. web/browser_test.go writes the config and runs this
// with NODE_PATH at a node_modules holding package.json's versions.
"use strict";
const fs = require("fs");
const path = require("path");
const chromium = require("@sparticuz/chromium");
const puppeteer = require("puppeteer-core");
const axe = require("axe-core");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const problems = [];
const problem = (msg) => problems.push(msg);
const base = new URL(cfg.base);

async function main() {
  const browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 375, height: 812, deviceScaleFactor: 1 });
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      const u = new URL(req.url());
      if (u.protocol !== "data:" && u.host !== base.host) {
        problem(`a request left okrbot's host: ${req.url()}`);
        req.abort();
        return;
      }
      req.continue();
    });
    page.on("console", (msg) => {
      // The pages of a signed-out person (401) and of a used link (410)
      // are answered with those statuses on purpose.
      if (msg.type() === "error" && !/status of (401|410)\b/.test(msg.text())) problem(`console error on ${page.url()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problem(`page error on ${page.url()}: ${err.message}`));

    const text = () => page.evaluate(() => document.body.innerText);

    // The link shows a button; only pressing it signs in.
    let resp = await page.goto(cfg.signIn);
    if (resp.status() !== 200 || !(await text()).includes(`Continue as ${cfg.name}`)) {
      problem(`sign-in page: ${resp.status()} ${await text()}`);
    }
    await checkPage(page, "sign-in");
    await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
    if (new URL(page.url()).pathname !== "/") problem(`after sign-in at ${page.url()}, want Home`);

    for (const p of cfg.pages) {
      resp = await page.goto(cfg.base + p.path);
      if (resp.status() !== 200) problem(`${p.path}: status ${resp.status()}`);
      const body = await text();
      for (const want of p.shows || []) {
        if (!body.includes(want)) problem(`${p.path} does not show ${JSON.stringify(want)}`);
      }
      await checkPage(page, p.path);
      if (p.images) {
        const images = await page.evaluate(() => [...document.images].map((i) => ({ src: i.src, ok: i.complete && i.naturalWidth > 0 })));
        if (images.length < p.images) problem(`${p.path}: ${images.length} pictures, want ${p.images}`);
        for (const i of images) if (!i.ok) problem(`${p.path}: picture ${i.src} did not load`);
      }
      if (cfg.screenshots && p.shot) {
        await page.screenshot({ path: path.join(cfg.screenshots, `dashboard-${p.shot}.png`), fullPage: true });
      }
    }

    // The period switcher, without JavaScript: a form that GETs.
    await page.goto(cfg.base + "/tree");
    await page.select("select[name=period]", cfg.otherPeriod);
    await Promise.all([page.waitForNavigation(), page.click("form.switcher button")]);
    if (!page.url().includes("period=" + encodeURIComponent(cfg.otherPeriod)) || !(await text()).includes(`Alignment in ${cfg.otherPeriod}`)) {
      problem(`the period switcher went to ${page.url()}: ${await text()}`);
    }

    // Sign out, then nothing shows but how to sign in.
    await Promise.all([page.waitForNavigation(), page.click("form.logout button")]);
    if (!(await text()).includes("You are signed out")) problem(`sign-out: ${await text()}`);
    resp = await page.goto(cfg.base + cfg.pages[1].path);
    if (resp.status() !== 401 || !(await text()).includes("/okr dashboard")) problem(`after sign-out: ${resp.status()} ${await text()}`);
    await checkPage(page, "signed out");

    // The same link again signs no one in.
    resp = await page.goto(cfg.signIn);
    if (resp.status() !== 410 || (await page.$("main button"))) problem(`a reused link: ${resp.status()} ${await text()}`);
  } finally {
    await browser.close();
  }
}

// checkPage: no sideways scrolling at 375 px, no other workspace's text,
// and no serious or critical accessibility violation.
async function checkPage(page, name) {
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  if (width.scroll > width.view) problem(`${name}: ${width.scroll} px wide at ${width.view} px: it scrolls sideways`);
  const body = await page.evaluate(() => document.documentElement.outerHTML);
  for (const secret of cfg.forbidden) if (body.includes(secret)) problem(`${name} shows another workspace's ${JSON.stringify(secret)}`);
  await page.evaluate(axe.source);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
  for (const v of result.violations) {
    if (v.impact === "serious" || v.impact === "critical") {
      problem(`${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    }
  }
  checked.push(name);
}

const checked = [];
main().then(
  () => {
    console.log(`checked in Chromium at 375 px with axe-core ${axe.version}: ${checked.join(", ")}`);
    if (problems.length) {
      console.error(problems.join("\n"));
      process.exit(1);
    }
  },
  (err) => {
    console.error(err);
    if (problems.length) console.error(problems.join("\n"));
    process.exit(1);
  },
);
