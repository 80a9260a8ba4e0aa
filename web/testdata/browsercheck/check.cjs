// The dashboard in a real headless Chromium: sign-in, every page at 375 px
// wide, axe-core on each, the charts, the period switcher, sign-out and a
// reused sign-in link; and, at the same time in the same Chromium, the
// Teams tab framed by a fake Teams web client (teamshost.html).
// web/browser_test.go writes the config and runs this with NODE_PATH at a
// node_modules holding package.json's versions.
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

// Chromium as a person has it: @sparticuz/chromium's flags, less those
// that turn the browser's own protections off, which the Teams tab and the
// Content-Security-Policy must be tested with, and less --single-process,
// which a person's browser is not and in which a second browser context
// (a second person) crashes it. The test's servers have certificates of
// their own, and teams.microsoft.com is the test's fake.
const unlike = new Set(["--disable-web-security", "--allow-running-insecure-content", "--single-process"]);

async function main() {
  const args = chromium.args.filter((a) => !unlike.has(a));
  if (cfg.teams) args.push(`--host-resolver-rules=${cfg.teams.hostResolverRules}`, "--ignore-certificate-errors");
  const browser = await puppeteer.launch({ executablePath: await chromium.executablePath(), args, headless: true });
  try {
    const timed = async (name, run) => {
      const start = Date.now();
      await run();
      timings.push(`${name} ${Date.now() - start} ms`);
    };
    const flows = [timed("dashboard", () => dashboard(browser))];
    if (cfg.teams) {
      flows.push(timed("the tab outside Teams", () => tabOutsideTeams(browser)));
      for (const c of cfg.teams.cases) flows.push(timed(c.name, () => teamsTab(browser, c)));
    }
    await Promise.all(flows);
  } finally {
    await browser.close();
  }
}

// newPage is a page at 375 px, in a browser context of its own (its own
// cookies) or in the context given, whose requests may go only to hosts,
// and whose console errors are problems unless expected says otherwise.
async function newPage(browserOrContext, hosts, expected = () => false) {
  const context = browserOrContext.createBrowserContext ? await browserOrContext.createBrowserContext() : browserOrContext;
  const page = await context.newPage();
  await page.setViewport({ width: 375, height: 812, deviceScaleFactor: 1 });
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (u.protocol !== "data:" && !hosts.includes(u.host)) {
      problem(`a request left okrbot's host: ${req.url()}`);
      req.abort();
      return;
    }
    req.continue();
  });
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected(msg.text())) problem(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problem(`page error on ${page.url()}: ${err.message}`));
  return page;
}

async function dashboard(browser) {
  // The pages of a signed-out person (401) and of a used link (410) are
  // answered with those statuses on purpose.
  const page = await newPage(browser, [base.host], (text) => /status of (401|410)\b/.test(text));
  const text = () => page.evaluate(() => document.body.innerText);

  // The link shows a button; only pressing it signs in.
  let resp = await page.goto(cfg.signIn);
  if (resp.status() !== 200 || !(await text()).includes(`Continue as ${cfg.name}`)) {
    problem(`sign-in page: ${resp.status()} ${await text()}`);
  }
  await checkPage(page, "sign-in");
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
  if (new URL(page.url()).pathname !== "/") problem(`after sign-in at ${page.url()}, want Home`);

  // Every page, each in a tab of its own of the signed-in browser.
  await Promise.all(
    cfg.pages.map(async (p) => {
      const tab = await newPage(page.browserContext(), [base.host]);
      const resp = await tab.goto(cfg.base + p.path);
      if (resp.status() !== 200) problem(`${p.path}: status ${resp.status()}`);
      const body = await tab.evaluate(() => document.body.innerText);
      for (const want of p.shows || []) {
        if (!body.includes(want)) problem(`${p.path} does not show ${JSON.stringify(want)}`);
      }
      await checkPage(tab, p.path);
      if (p.images) {
        const images = await tab.evaluate(() => [...document.images].map((i) => ({ src: i.src, ok: i.complete && i.naturalWidth > 0 })));
        if (images.length < p.images) problem(`${p.path}: ${images.length} pictures, want ${p.images}`);
        for (const i of images) if (!i.ok) problem(`${p.path}: picture ${i.src} did not load`);
      }
      if (cfg.screenshots && p.shot) {
        await tab.screenshot({ path: path.join(cfg.screenshots, `dashboard-${p.shot}.png`), fullPage: true });
      }
      await tab.close();
    }),
  );

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
  await page.browserContext().close();
}

// tabOutsideTeams: the tab's page opened in a browser, not in Teams, says
// how to sign in instead.
async function tabOutsideTeams(browser) {
  const tab = await newPage(browser, [new URL(cfg.teams.tab).host], teamsCDN);
  await tab.goto(cfg.teams.tab + "/teams/tab");
  await tab.waitForFunction(() => !document.getElementById("tab-fallback").hidden, { timeout: 10000 }).catch(() => {});
  const shown = await tab.evaluate(() => document.body.innerText);
  if (!shown.includes("Teams could not sign you in here")) problem(`the tab's page outside Teams: ${shown}`);
  await checkPage(tab, "the tab's page outside Teams");
  await tab.browserContext().close();
}

// teamsCDN: the Teams library asks Microsoft's CDN for its list of Teams
// hosts when it loads; the tab's Content-Security-Policy refuses, Chromium
// says so on the console, and the library uses the list it carries.
const teamsCDN = (text) => text.includes("https://res.cdn.office.net/teams-js/validDomains/") && text.includes("Content Security Policy");

// teamsTab opens the fake Teams client at c.url, which frames the tab's
// page and answers the Teams library, and checks what okrbot answered the
// tab's sign-ins, what the frame ends up showing and what the library
// asked of Teams. With c.again, the person then signs out in the tab and
// back in with Teams.
async function teamsTab(browser, c) {
  const tabHost = new URL(cfg.teams.tab).host;
  const refused = (text) => c.signIns.some((status) => status >= 400 && text.includes(`status of ${status} `));
  const page = await newPage(browser, [tabHost, "teams.microsoft.com"], (text) => teamsCDN(text) || refused(text));
  const signIns = [];
  page.on("response", (r) => {
    if (r.request().method() === "POST" && r.url() === cfg.teams.tab + "/teams/tab/signin") signIns.push(r.status());
  });
  const name = `the Teams tab, ${c.name}`;
  const resp = await page.goto(c.url);
  if (resp.status() !== 200) problem(`${name}: the fake Teams client answered ${resp.status()}`);
  const handle = await page.waitForSelector("iframe#tab");
  const frame = await handle.contentFrame();
  const text = () => frame.evaluate(() => document.body.innerText).catch((err) => err.message);
  const shows = async (what, wants, at) => {
    try {
      await frame.waitForFunction((w) => w.every((s) => document.body && document.body.innerText.includes(s)), { timeout: 10000 }, wants);
    } catch {
      problem(`${what}: the tab does not show ${JSON.stringify(wants)}: ${await text()}`);
    }
    const u = new URL(frame.url());
    if (u.host !== tabHost || u.pathname !== at) problem(`${what}: the tab is at ${frame.url()}, want ${at}`);
  };
  await shows(name, c.shows, c.path);
  // axe-core has read these pages already, outside the frame: the tab's
  // page outside Teams, and Home.
  await checkPage(frame, name, false);
  if (cfg.screenshots && c.shot) await handle.screenshot({ path: path.join(cfg.screenshots, `dashboard-${c.shot}.png`) });

  if (c.again) {
    await Promise.all([frame.waitForNavigation(), frame.click("form.logout button")]);
    await shows(`${name}, signed out`, ["You are signed out of okrbot in this tab.", "Sign in with Teams"], "/logout");
    await Promise.all([frame.waitForNavigation(), frame.click("main a.button")]);
    await shows(`${name}, back in`, c.shows, c.path);
  }

  if (JSON.stringify(signIns) !== JSON.stringify(c.signIns)) problem(`${name}: okrbot answered the tab's sign-ins with ${JSON.stringify(signIns)}, want ${JSON.stringify(c.signIns)}`);
  const asked = await page.evaluate(() => window.hostLog);
  if (JSON.stringify(asked) !== JSON.stringify(c.asked)) problem(`${name}: the Teams library asked ${JSON.stringify(asked)}, want ${JSON.stringify(c.asked)}`);
  await page.browserContext().close();
}

// checkPage: no sideways scrolling at 375 px, no other workspace's text,
// and, unless withAxe is false, no serious or critical accessibility
// violation. page may be a frame.
async function checkPage(page, name, withAxe = true) {
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  if (width.scroll > width.view) problem(`${name}: ${width.scroll} px wide at ${width.view} px: it scrolls sideways`);
  const body = await page.evaluate(() => document.documentElement.outerHTML);
  for (const secret of cfg.forbidden) if (body.includes(secret)) problem(`${name} shows another workspace's ${JSON.stringify(secret)}`);
  checked.push(name);
  if (!withAxe) return;
  await page.evaluate(axe.source);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
  for (const v of result.violations) {
    if (v.impact === "serious" || v.impact === "critical") {
      problem(`${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    }
  }
}

const checked = [];
const timings = [];
main().then(
  () => {
    console.log(`checked in Chromium at 375 px with axe-core ${axe.version}: ${checked.join(", ")}`);
    console.log(`in parallel: ${timings.join(", ")}`);
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
