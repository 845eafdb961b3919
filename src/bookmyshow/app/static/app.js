// The seat page: browse shows, pick seats on a live seat map, pay, get the e-ticket, cancel.
// Plain ES module, no framework: the state lives in `state`, the DOM is updated by small
// render functions, and every server call goes through api.js.

import { ApiError, api, currentSession, newKey, query, setSession } from "./api.js";

const $ = (id) => document.getElementById(id);

// Category colours, by the category's place in the screen's front-to-back order.
const PALETTE = ["#0f9d8f", "#d97706", "#7c3aed", "#2563eb", "#db2777", "#65a30d"];

const BOOKING_STATUS = {
  pending_payment: "Awaiting payment",
  confirmed: "Confirmed",
  payment_failed: "Payment failed",
  payment_unknown: "Payment being checked",
  expired: "Expired",
  failed_refunded: "Refunded (seats lost)",
  cancelled: "Cancelled",
  refunded: "Refunded",
  checked_in: "Checked in",
};

const state = {
  cities: [],
  cityId: "",
  movies: [],
  movieId: "",
  shows: [],
  date: "",
  show: null, // the listing of the show whose seat map is open
  categories: [], // [{category, price, colour}]
  seats: new Map(), // label -> seat view from the seat map
  buttons: new Map(), // label -> its button
  selected: new Set(),
  hold: null,
  coupon: "",
  booking: null,
  checkoutKey: null,
  socket: null,
  socketShowId: null,
  reconnectTimer: null,
  holdTimer: null,
  pending: null, // what to do once the visitor has logged in
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

function titleCase(text) {
  return String(text)
    .replace(/[_-]+/g, " ")
    .replace(/\b\w/g, (c) => c.toUpperCase());
}

/** Money as people read it, from exact integer paise (no floating point). */
function money(value) {
  if (!value) return "";
  if (typeof value.paise !== "number") return value.display || "";
  const negative = value.paise < 0;
  const paise = Math.abs(value.paise);
  const whole = new Intl.NumberFormat("en-IN").format(Math.trunc(paise / 100));
  const cents = String(paise % 100).padStart(2, "0");
  const symbol = value.currency === "INR" ? "₹" : `${value.currency} `;
  return `${negative ? "−" : ""}${symbol}${whole}.${cents}`;
}

/** "2030-01-02T18:30:00+05:30" -> {date: "2030-01-02", time: "6:30 PM"} in the theater's zone. */
function localParts(iso) {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!match) return { date: "", time: iso || "" };
  const hour = Number(match[2]);
  const suffix = hour < 12 ? "AM" : "PM";
  const twelve = hour % 12 === 0 ? 12 : hour % 12;
  return { date: match[1], time: `${twelve}:${match[3]} ${suffix}` };
}

function dayLabel(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  const when = new Date(Date.UTC(y, m - 1, d));
  const fmt = (opts) => new Intl.DateTimeFormat("en-IN", { timeZone: "UTC", ...opts }).format(when);
  return { weekday: fmt({ weekday: "short" }), day: fmt({ day: "numeric" }), month: fmt({ month: "short" }) };
}

function longWhen(iso) {
  const parts = localParts(iso);
  if (!parts.date) return parts.time;
  const label = dayLabel(parts.date);
  return `${label.weekday} ${label.day} ${label.month}, ${parts.time}`;
}

function showStart(listing) {
  return listing.local_starts_at || listing.starts_at;
}

/** A show's format and language, leaving out a format its screen is named after ("IMAX"). */
function formatAndLanguage(listing) {
  const format = listing.format !== listing.screen_name ? listing.format : null;
  return [format, listing.language].filter(Boolean);
}

function seatLabel(seat) {
  return seat.seat_id || seat.label;
}

function categoryColour(name) {
  const found = state.categories.find((c) => c.category === name);
  return found ? found.colour : PALETTE[0];
}

// ---------------------------------------------------------------------------------------------
// Errors and announcements

// Plain words for the errors a customer meets; any other error shows the API's own message.
const FRIENDLY = {
  coupon_rejected: (d) => `Coupon ${d.coupon_code || ""} cannot be used here${d.reason && d.reason !== "unknown" ? ` (${titleCase(d.reason).toLowerCase()})` : ": no such coupon"}.`,
  coupon_limit_reached: () => "This coupon has been used up.",
  coupon_user_limit_reached: () => "You have already used this coupon.",
  seats_unavailable: (d) => `Sorry, ${listOf(d.seats) || "those seats"} just went to someone else. Pick other seats.`,
  not_enough_seats: (d) => `Only ${d.available} seat${d.available === 1 ? " is" : "s are"} left${d.category ? ` in ${titleCase(d.category)}` : ""}.`,
  seats_not_together: () => "Those seats cannot be found together. Try fewer seats or another category.",
  orphan_seat: (d) => `That would leave ${listOf(d.seats) || "a seat"} stranded on its own. Pick seats next to it or leave one more gap.`,
  hold_expired: () => "Your hold expired and the seats went back on sale. Pick them again.",
  hold_not_found: () => "Your hold has ended. Pick the seats again.",
  hold_limit_exceeded: () => "You are holding too many seats. Release some first.",
  invalid_credentials: () => "That e-mail and password do not match an account.",
  email_taken: () => "An account with this e-mail already exists. Log in instead.",
  weak_password: () => "Choose a password of 8 to 128 characters that is not your e-mail.",
  rate_limited: (d) => `Too many tries. Wait ${Math.ceil(d.retry_after_seconds || 60)} seconds and try again.`,
  not_cancellable: (d) => `This booking cannot be cancelled${d.detail ? `: ${d.detail}` : "."}`,
  show_not_bookable: () => "This show can no longer be booked.",
  token_expired: () => "Your session has expired. Log in again.",
  network_error: () => "The server cannot be reached. Check your connection.",
};

/** Seat labels as people read them: by row, then by number (A2 before A10). */
function seatList(labels) {
  return [...labels].sort((a, b) => a.localeCompare(b, "en", { numeric: true })).join(", ");
}

function listOf(values) {
  return Array.isArray(values) ? seatList(values) : "";
}

function describe(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  const words = FRIENDLY[error.code];
  return words ? words(error.details || {}) : error.message;
}

function showError(error) {
  const message = describe(error);
  $("error-text").textContent = message;
  $("error").dataset.code = error instanceof ApiError ? error.code : "client_error";
  show($("error"), true);
  if (!(error instanceof ApiError)) {
    console.error(error);
  }
}

function clearError() {
  show($("error"), false);
  $("error-text").textContent = "";
}

function announce(text) {
  // Re-setting the same text would not be read again; clear first.
  const region = $("seat-announce");
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 30);
}

/** Run an async UI action: errors go to the banner, and `button` is busy meanwhile. */
async function action(button, work) {
  clearError();
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && error.code !== "invalid_credentials") {
      setSession(null);
      renderAccount();
    }
    showError(error);
  } finally {
    if (button) {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      refreshSeatActions();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts

function renderAccount() {
  const session = currentSession();
  const signedIn = Boolean(session);
  show($("auth-panel"), !signedIn);
  show($("logout-button"), signedIn);
  show($("bookings-button"), signedIn);
  show($("whoami"), signedIn);
  $("whoami").textContent = signedIn ? session.name || session.email : "";
}

async function signIn(email, password) {
  const pair = await api("POST", "/api/auth/login", { body: { email, password }, auth: false });
  setSession({ access_token: pair.access_token, refresh_token: pair.refresh_token, email });
  const me = await api("GET", "/api/me");
  setSession({ ...currentSession(), email: me.email, name: me.name });
  renderAccount();
  if (state.socketShowId) {
    // Seats held by this user now show as theirs.
    await loadSeatMap(state.socketShowId);
  }
  const next = state.pending;
  state.pending = null;
  if (next) await next();
}

function requireLogin(then) {
  if (currentSession()) return true;
  state.pending = then;
  show($("auth-panel"), true);
  $("auth-title").textContent = "Log in to continue";
  $("auth-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  $("login-email").focus();
  return false;
}

function wireAccount() {
  const body = document.body;
  if (body.dataset.demoEmail) {
    $("login-email").value = body.dataset.demoEmail;
    $("login-password").value = body.dataset.demoPassword || "";
    show($("demo-hint"), true);
  }
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action($("login-submit"), () => signIn($("login-email").value.trim(), $("login-password").value));
  });
  $("register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action($("register-submit"), async () => {
      const email = $("register-email").value.trim();
      const password = $("register-password").value;
      await api("POST", "/api/auth/register", {
        body: { email, name: $("register-name").value.trim(), password },
        auth: false,
      });
      await signIn(email, password);
    });
  });
  $("register-open").addEventListener("click", () => {
    show($("login-form"), false);
    show($("register-form"), true);
    $("auth-title").textContent = "Create an account";
    $("register-name").focus();
  });
  $("login-back").addEventListener("click", () => {
    show($("register-form"), false);
    show($("login-form"), true);
    $("auth-title").textContent = "Log in to book";
    $("login-email").focus();
  });
  $("logout-button").addEventListener("click", () => {
    setSession(null);
    state.hold = null;
    state.booking = null;
    renderHold();
    show($("bookings-panel"), false);
    show($("ticket-panel"), false);
    renderAccount();
    if (state.socketShowId) loadSeatMap(state.socketShowId).catch(showError);
  });
  $("error-close").addEventListener("click", clearError);
}

// ---------------------------------------------------------------------------------------------
// Browsing: city -> movie -> date -> show

async function loadCities() {
  state.cities = await api("GET", "/api/cities", { auth: false });
  const select = $("city-select");
  select.replaceChildren(
    ...state.cities.map((c) => el("option", { value: c.city_id, text: c.name })),
  );
  if (state.cities.length === 0) {
    select.append(el("option", { value: "", text: "No cities yet" }));
    return;
  }
  state.cityId = state.cities[0].city_id;
  select.value = state.cityId;
  await loadMovies();
}

async function loadMovies() {
  const select = $("movie-select");
  const search = query({ city_id: state.cityId, status: "active", sort: "popularity", size: 100 });
  const page = await api("GET", `/api/movies${search}`, { auth: false });
  // Search hits wrap the movie ({score, highlight, movie}).
  state.movies = (Array.isArray(page) ? page : page.items || []).map((hit) => hit.movie || hit);
  select.replaceChildren(
    el("option", { value: "", text: state.movies.length ? "Choose a movie" : "No movies here yet" }),
    ...state.movies.map((m) => el("option", { value: m.movie_id, text: m.title })),
  );
  select.disabled = state.movies.length === 0;
  state.movieId = "";
  state.shows = [];
  renderMovieInfo();
  renderDates();
  renderShows();
  if (state.movies.length) {
    state.movieId = state.movies[0].movie_id;
    select.value = state.movieId;
    await loadShows();
  }
}

function renderMovieInfo() {
  const movie = state.movies.find((m) => m.movie_id === state.movieId);
  const info = $("movie-info");
  if (!movie) {
    show(info, false);
    return;
  }
  const facts = [];
  if (movie.certificate) facts.push(movie.certificate);
  if (movie.languages && movie.languages.length) facts.push(movie.languages.join(", "));
  if (movie.genres && movie.genres.length) facts.push(movie.genres.join(" · "));
  const minutes = movie.duration_minutes ?? movie.runtime_minutes;
  if (typeof minutes === "number") facts.push(`${Math.floor(minutes / 60)}h ${minutes % 60}m`);
  if (movie.rating && movie.rating_count) facts.push(`★ ${movie.rating}/10 (${movie.rating_count})`);
  info.textContent = facts.join("  ·  ");
  show(info, facts.length > 0);
}

async function loadShows() {
  renderMovieInfo();
  if (!state.movieId) {
    state.shows = [];
  } else {
    state.shows = await api(
      "GET",
      `/api/shows${query({ city_id: state.cityId, movie_id: state.movieId })}`,
      { auth: false },
    );
  }
  const dates = [...new Set(state.shows.map((s) => localParts(showStart(s)).date))].sort();
  if (!dates.includes(state.date)) state.date = dates[0] || "";
  renderDates();
  renderShows();
}

function renderDates() {
  const picker = $("date-picker");
  const dates = [...new Set(state.shows.map((s) => localParts(showStart(s)).date))].sort();
  picker.replaceChildren(
    ...dates.map((date) => {
      const label = dayLabel(date);
      return el(
        "button",
        {
          type: "button",
          className: "chip date-chip",
          "aria-pressed": String(date === state.date),
          "aria-label": `${label.weekday} ${label.day} ${label.month}`,
          dataset: { date },
          onclick: () => {
            state.date = date;
            renderDates();
            renderShows();
          },
        },
        el("span", { className: "chip-small", text: label.weekday }),
        el("span", { className: "chip-big", text: label.day }),
        el("span", { className: "chip-small", text: label.month }),
      );
    }),
  );
  show(picker, dates.length > 0);
}

function renderShows() {
  const list = $("show-list");
  const todays = state.shows.filter((s) => localParts(showStart(s)).date === state.date);
  const byTheater = new Map();
  for (const listing of todays) {
    const key = listing.theater_id || listing.theater_name;
    if (!byTheater.has(key)) byTheater.set(key, []);
    byTheater.get(key).push(listing);
  }
  list.replaceChildren(
    ...[...byTheater.values()].map((listings) =>
      el(
        "li",
        { className: "theater-shows" },
        el("h3", { text: listings[0].theater_name }),
        el("div", { className: "times" }, ...listings.map(showButton)),
      ),
    ),
  );
  show($("show-empty"), Boolean(state.movieId) && todays.length === 0);
}

function showButton(listing) {
  const when = localParts(showStart(listing));
  const left = (listing.categories || []).reduce((n, c) => n + (c.seats_left ?? 0), 0);
  const prices = (listing.categories || []).map((c) => c.price).filter(Boolean);
  const cheapest = prices.reduce((a, b) => (a && a.paise <= b.paise ? a : b), null);
  const selected = state.show && state.show.show_id === listing.show_id;
  const detail = [listing.screen_name, ...formatAndLanguage(listing)].filter(Boolean).join(" · ");
  return el(
    "button",
    {
      type: "button",
      className: `show-time${left === 0 ? " sold-out" : ""}`,
      "aria-pressed": String(Boolean(selected)),
      "aria-label": `${when.time}, ${detail}, ${left} seats left${cheapest ? `, from ${money(cheapest)}` : ""}`,
      dataset: { showId: listing.show_id },
      onclick: (event) => action(event.currentTarget, () => openShow(listing.show_id)),
    },
    el("span", { className: "show-clock", text: when.time }),
    el("span", { className: "show-detail", text: detail }),
    el("span", {
      className: "show-left",
      text: left === 0 ? "Sold out" : `${left} left${cheapest ? ` · from ${money(cheapest)}` : ""}`,
    }),
  );
}

function wireBrowsing() {
  $("city-select").addEventListener("change", (event) => {
    state.cityId = event.target.value;
    action(null, loadMovies);
  });
  $("movie-select").addEventListener("change", (event) => {
    state.movieId = event.target.value;
    action(null, loadShows);
  });
}

// ---------------------------------------------------------------------------------------------
// The seat map

async function openShow(showId) {
  delete $("theatre").dataset.centred;
  if (state.hold && state.hold.show_id !== showId) {
    await releaseHold({ quiet: true });
  }
  state.selected.clear();
  show($("ticket-panel"), false);
  show($("bookings-panel"), false);
  await loadSeatMap(showId);
  renderShows();
  show($("booking-area"), true);
  connectLive(showId);
  $("seat-panel").scrollIntoView({ behavior: "smooth", block: "start" });
}

function seatRows(data) {
  if (Array.isArray(data.rows)) {
    return data.rows.map((r) => ({ row: r.row ?? r.label, seats: r.seats }));
  }
  const rows = new Map();
  for (const seat of data.seats || []) {
    if (!rows.has(seat.row)) rows.set(seat.row, []);
    rows.get(seat.row).push(seat);
  }
  return [...rows.entries()].map(([row, seats]) => ({ row, seats }));
}

async function loadSeatMap(showId) {
  const data = await api("GET", `/api/shows/${encodeURIComponent(showId)}/seats`);
  state.show = data.show || { show_id: showId };
  const rows = seatRows(data);
  const names = [];
  const prices = new Map();
  for (const c of data.categories || []) {
    names.push(c.category);
    prices.set(c.category, c.price);
  }
  for (const row of rows) {
    for (const seat of row.seats) {
      if (!names.includes(seat.category)) names.push(seat.category);
      if (!prices.has(seat.category)) prices.set(seat.category, seat.price);
    }
  }
  state.categories = names.map((category, i) => ({
    category,
    price: prices.get(category),
    colour: PALETTE[i % PALETTE.length],
  }));
  state.seats = new Map();
  for (const row of rows) {
    for (const seat of row.seats) state.seats.set(seatLabel(seat), { ...seat });
  }
  // What the server says is ours wins over what we remember (the hold may have lapsed).
  const mine = [...state.seats.values()].filter((s) => s.held_by_you).map(seatLabel);
  if (state.hold && state.hold.show_id === showId) {
    for (const label of state.hold.seats) {
      const seat = state.seats.get(label);
      if (seat && seat.status === "held") seat.held_by_you = true;
    }
  } else if (mine.length === 0) {
    state.hold = null;
  }
  for (const label of [...state.selected]) {
    const seat = state.seats.get(label);
    if (!seat || seat.status !== "available") state.selected.delete(label);
  }
  renderSeatMap(rows, data.bookable !== false);
  renderHold();
}

function renderSeatMap(rows, bookable) {
  const listing = state.show;
  const when = longWhen(showStart(listing));
  $("seat-title").textContent = listing.movie_title || "Pick your seats";
  $("show-summary").textContent = [
    [listing.theater_name, listing.screen_name].filter(Boolean).join(", "),
    when,
    formatAndLanguage(listing).join(" · "),
  ]
    .filter(Boolean)
    .join("  ·  ");

  const category = $("best-category");
  category.replaceChildren(
    el("option", { value: "", text: "Best category" }),
    ...state.categories.map((c) => el("option", { value: c.category, text: titleCase(c.category) })),
  );

  const map = $("seat-map");
  state.buttons = new Map();
  // One grid for every row: a seat's column counts cells from the row's left end (aisles
  // included), so seats and aisles line up across rows as the screen's layout draws them.
  const columnOf = (seat, i) => (typeof seat.column === "number" ? seat.column : i);
  const columns = rows.flatMap((row) => row.seats.map(columnOf));
  const first = columns.length ? Math.min(...columns) : 0;
  const width = columns.length ? Math.max(...columns) - first + 1 : 1;
  map.style.setProperty("--columns", String(width));
  let lastCategory = null;
  const children = [];
  for (const row of rows) {
    const rowCategory = row.seats.length ? row.seats[0].category : null;
    if (rowCategory !== lastCategory) {
      const info = state.categories.find((c) => c.category === rowCategory);
      children.push(
        el(
          "div",
          { className: "category-divider", dataset: { category: rowCategory } },
          el("span", {
            text: `${titleCase(rowCategory)}${info && info.price ? ` · ${money(info.price)}` : ""}`,
          }),
        ),
      );
      lastCategory = rowCategory;
    }
    const grid = el("div", { className: "seat-row-seats" });
    row.seats.forEach((seat, i) => {
      const button = seatButton(state.seats.get(seatLabel(seat)), bookable);
      button.style.gridColumn = String(columnOf(seat, i) - first + 1);
      grid.append(button);
    });
    children.push(
      el(
        "div",
        { className: "seat-row", dataset: { row: row.row } },
        el("span", { className: "row-label", "aria-hidden": "true", text: row.row }),
        grid,
        el("span", { className: "row-label", "aria-hidden": "true", text: row.row }),
      ),
    );
  }
  map.replaceChildren(...children);
  map.dataset.bookable = String(bookable);
  show($("legend-wheelchair"), [...state.seats.values()].some((seat) => seat.wheelchair));
  renderLegend();
  refreshSeatActions();
  window.requestAnimationFrame(centreHall);
}

/** A hall wider than the screen scrolls sideways: start in its middle and say so. */
function centreHall() {
  const theatre = $("theatre");
  const overflow = theatre.scrollWidth - theatre.clientWidth;
  show($("scroll-hint"), overflow > 1);
  if (overflow > 1 && !theatre.dataset.centred) {
    theatre.scrollLeft = overflow / 2;
    theatre.dataset.centred = "true";
  }
}

function seatButton(seat, bookable) {
  const label = seatLabel(seat);
  const button = el("button", {
    type: "button",
    className: "seat",
    dataset: { seatId: label, row: seat.row, category: seat.category },
    onclick: () => toggleSeat(label),
  });
  button.style.setProperty("--cat", categoryColour(seat.category));
  button.dataset.bookable = String(bookable);
  state.buttons.set(label, button);
  paintSeat(label);
  return button;
}

function seatState(seat) {
  if (seat.status === "held" && seat.held_by_you) return "mine";
  if (seat.status === "available" && state.selected.has(seatLabel(seat))) return "selected";
  return seat.status;
}

function paintSeat(label) {
  const seat = state.seats.get(label);
  const button = state.buttons.get(label);
  if (!seat || !button) return;
  const look = seatState(seat);
  button.dataset.status = seat.status;
  button.dataset.look = look;
  button.dataset.mine = String(look === "mine");
  button.setAttribute("aria-pressed", String(look === "selected"));
  button.textContent = look === "sold" ? "" : String(seat.number ?? label.replace(/^\D+/, ""));
  const words = {
    available: "available",
    selected: "selected",
    mine: "held by you",
    held: "held by someone else",
    sold: "sold",
    blocked: "not for sale",
  }[look];
  const price = seat.price ? `, ${money(seat.price)}` : "";
  const access = seat.wheelchair ? ", wheelchair space" : "";
  button.setAttribute(
    "aria-label",
    `Seat ${label}, ${titleCase(seat.category)}${price}${access}, ${words}`,
  );
  button.disabled = button.dataset.bookable === "false" || seat.status !== "available";
  if (seat.wheelchair) button.dataset.wheelchair = "true";
}

function renderLegend() {
  const legend = $("legend");
  legend.replaceChildren(
    ...state.categories.map((c) => {
      const left = [...state.seats.values()].filter(
        (s) => s.category === c.category && s.status === "available",
      ).length;
      const swatch = el("span", { className: "swatch swatch-category", "aria-hidden": "true" });
      swatch.style.setProperty("--cat", c.colour);
      return el(
        "li",
        { dataset: { category: c.category } },
        swatch,
        el("strong", { text: titleCase(c.category) }),
        el("span", { className: "legend-price", text: money(c.price) }),
        el("span", { className: "legend-left", text: `${left} left` }),
      );
    }),
  );
}

function toggleSeat(label) {
  const seat = state.seats.get(label);
  if (!seat || seat.status !== "available") return;
  if (state.selected.has(label)) state.selected.delete(label);
  else state.selected.add(label);
  paintSeat(label);
  refreshSeatActions();
}

function refreshSeatActions() {
  const count = state.selected.size;
  const hold = $("hold-selected");
  if (hold.getAttribute("aria-busy") !== "true") {
    hold.disabled = count === 0;
  }
  hold.textContent = count
    ? `Hold ${count} seat${count === 1 ? "" : "s"} (${seatList(state.selected)})`
    : "Hold selected seats";
  $("clear-selection").disabled = count === 0;
}

/** Apply one live change: seats held, released, expired, sold or returned. */
function applyChange(message) {
  const taken = message.kind === "held" || message.kind === "sold";
  const lost = [];
  const mineLapsed = [];
  for (const label of message.seats || []) {
    const seat = state.seats.get(label);
    if (!seat) continue;
    const ours = state.hold && state.hold.seats.includes(label);
    if (message.kind === "held") {
      seat.status = "held";
      seat.held_by_you = Boolean(ours);
    } else if (message.kind === "sold") {
      seat.status = "sold";
      seat.held_by_you = false;
    } else {
      if (ours && message.kind === "expired") mineLapsed.push(label);
      seat.status = "available";
      seat.held_by_you = false;
    }
    if (taken && state.selected.has(label) && !ours) {
      state.selected.delete(label);
      lost.push(label);
    }
    paintSeat(label);
  }
  renderLegend();
  refreshSeatActions();
  if (lost.length) {
    announce(`Seat${lost.length === 1 ? "" : "s"} ${seatList(lost)} just went to someone else.`);
  } else if (message.seats && message.seats.length) {
    const n = message.seats.length;
    const verb = { held: "taken", sold: "sold", released: "freed", expired: "freed", returned: "back on sale" }[
      message.kind
    ];
    if (verb) announce(`${n} seat${n === 1 ? "" : "s"} just ${n === 1 ? "was" : "were"} ${verb}.`);
  }
  if (mineLapsed.length) holdLapsed();
}

// ---------------------------------------------------------------------------------------------
// Live updates over the show's WebSocket

function setLive(stateName, text) {
  $("live-status").dataset.state = stateName;
  $("live-text").textContent = text;
}

function connectLive(showId) {
  if (state.socket && state.socketShowId === showId) return;
  disconnectLive();
  state.socketShowId = showId;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/api/shows/${encodeURIComponent(showId)}/live`);
  state.socket = socket;
  setLive("connecting", "Connecting…");
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // not ours to understand
    }
    if (message.type === "hello" || message.type === "resync") {
      // Subscribed: a map read from now on misses no change (see the live route's protocol).
      setLive("live", "Live");
      loadSeatMap(showId).catch(showError);
    } else if (Array.isArray(message.seats) && message.kind) {
      applyChange(message);
    }
  });
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return; // replaced on purpose
    state.socket = null;
    if (event.code >= 4400 && event.code < 4500) {
      // The server refused this show for good (4404: unknown show): retrying cannot help.
      setLive("offline", "Live updates unavailable");
      return;
    }
    setLive("offline", "Reconnecting…");
    // The new connection's hello makes us read the map again: changes are not replayed.
    state.reconnectTimer = window.setTimeout(
      () => {
        if (state.socketShowId === showId) {
          state.socketShowId = null;
          connectLive(showId);
        }
      },
      opened ? 1000 : 3000,
    );
  });
}

function disconnectLive() {
  window.clearTimeout(state.reconnectTimer);
  const socket = state.socket;
  state.socket = null;
  state.socketShowId = null;
  if (socket) socket.close();
}

// ---------------------------------------------------------------------------------------------
// Holds, the quote, checkout and payment

async function holdSeats(body, button) {
  const showId = state.show.show_id;
  if (state.hold) await releaseHold({ quiet: true });
  const hold = await api("POST", `/api/shows/${encodeURIComponent(showId)}/holds`, { body });
  state.hold = hold;
  state.booking = null;
  state.checkoutKey = newKey();
  state.selected.clear();
  for (const label of hold.seats) {
    const seat = state.seats.get(label);
    if (seat) {
      seat.status = "held";
      seat.held_by_you = true;
    }
  }
  for (const label of state.seats.keys()) paintSeat(label);
  renderLegend();
  const placed = hold.placement ? ` in ${titleCase(hold.placement.category)}` : "";
  announce(`Held ${seatList(hold.seats)}${placed}.`);
  state.quote = null;
  try {
    await loadQuote();
  } finally {
    renderHold();
  }
  if (button) $("card-number").focus();
}

async function loadQuote() {
  const hold = state.hold;
  if (!hold) return;
  const path = `/api/shows/${encodeURIComponent(hold.show_id)}/holds/${encodeURIComponent(hold.hold_id)}/quote`;
  try {
    state.quote = await api("GET", `${path}${query({ coupon: state.coupon })}`);
  } catch (error) {
    if (state.coupon && error instanceof ApiError && error.status !== 401) {
      // A rejected coupon must not block paying the full price.
      state.coupon = "";
      $("coupon-code").value = "";
      state.quote = await api("GET", path);
    }
    throw error;
  }
}

async function releaseHold({ quiet = false } = {}) {
  const hold = state.hold;
  if (!hold) return;
  state.hold = null;
  state.quote = null;
  state.booking = null;
  try {
    await api(
      "DELETE",
      `/api/shows/${encodeURIComponent(hold.show_id)}/holds/${encodeURIComponent(hold.hold_id)}`,
    );
  } catch (error) {
    // An expired or already released hold is what we wanted anyway.
    if (!(error instanceof ApiError && (error.status === 404 || error.status === 409))) throw error;
  }
  for (const label of hold.seats) {
    const seat = state.seats.get(label);
    if (seat && seat.held_by_you) {
      seat.status = "available";
      seat.held_by_you = false;
      paintSeat(label);
    }
  }
  renderLegend();
  renderHold();
  if (!quiet) announce(`Released ${seatList(hold.seats)}.`);
}

function holdLapsed() {
  if (!state.hold) return;
  state.hold = null;
  state.quote = null;
  state.booking = null;
  renderHold();
  showError(new ApiError(409, "hold_expired", "Your hold expired and the seats went back on sale. Pick them again."));
}

const HOLD_KEY = "bookmyshow.hold";

/** Remember the open hold for this tab, so a reload can pick it up again. */
function rememberHold(hold) {
  try {
    if (hold) {
      sessionStorage.setItem(HOLD_KEY, JSON.stringify({ show_id: hold.show_id, hold_id: hold.hold_id }));
    } else {
      sessionStorage.removeItem(HOLD_KEY);
    }
  } catch {
    // Without storage a reload just forgets the hold; it lapses on its own.
  }
}

/** After a reload: reopen the show of this tab's hold if it is still live. */
async function restoreHold() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(HOLD_KEY) || "null");
  } catch {
    saved = null;
  }
  if (!saved || !currentSession()) return;
  let hold;
  try {
    hold = await api(
      "GET",
      `/api/shows/${encodeURIComponent(saved.show_id)}/holds/${encodeURIComponent(saved.hold_id)}`,
    );
  } catch (error) {
    rememberHold(null);
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
    throw error;
  }
  state.hold = hold;
  state.checkoutKey = newKey();
  await openShow(hold.show_id);
  await loadQuote();
  renderHold();
}

function renderHold() {
  const hold = state.hold;
  rememberHold(hold);
  show($("checkout-empty"), !hold);
  show($("hold-box"), Boolean(hold));
  window.clearInterval(state.holdTimer);
  if (!hold) return;
  $("hold-seats").textContent = seatList(hold.seats);
  const quote = state.quote;
  const lines = quote ? quote.lines : [];
  $("quote-lines").replaceChildren(
    ...lines.map((line) =>
      el(
        "tr",
        { dataset: { kind: line.kind } },
        el(
          "th",
          { scope: "row" },
          line.description || titleCase(line.kind),
          line.seat && !(line.description || "").includes(line.seat)
            ? el("span", { className: "hint", text: ` ${line.seat}` })
            : null,
        ),
        el("td", { text: money(line.amount) }),
      ),
    ),
  );
  $("quote-total").textContent = quote ? money(quote.total) : "…";
  const note = $("quote-note");
  note.textContent = quote && quote.non_cancellable ? "With this coupon the booking cannot be cancelled." : "";
  show(note, Boolean(quote && quote.non_cancellable));
  $("pay-button").textContent = quote ? `Pay ${money(quote.total)}` : "Pay";
  const extendable = Date.parse(hold.max_expires_at) > Date.parse(hold.expires_at);
  const tick = () => {
    const left = Math.max(0, Date.parse(hold.expires_at) - Date.now());
    // Offered in the last two minutes, while the hold may still grow.
    show($("extend-hold"), extendable && left < 120000 && left > 0);
    const minutes = Math.floor(left / 60000);
    const seconds = Math.floor((left % 60000) / 1000);
    $("hold-timer").textContent = `${minutes}:${String(seconds).padStart(2, "0")} left`;
    $("hold-timer").dataset.low = String(left < 60000);
    if (left === 0) {
      window.clearInterval(state.holdTimer);
      holdLapsed();
      if (state.socketShowId) loadSeatMap(state.socketShowId).catch(showError);
    }
  };
  tick();
  state.holdTimer = window.setInterval(tick, 1000);
}

async function pay() {
  const hold = state.hold;
  if (!hold) return;
  const card = $("card-number").value.replace(/\s+/g, "");
  show($("pay-error"), false);
  if (!state.booking || state.booking.status !== "pending_payment") {
    state.booking = await api("POST", "/api/bookings", {
      body: { show_id: hold.show_id, hold_id: hold.hold_id, coupon_code: state.coupon || null },
      headers: { "Idempotency-Key": state.checkoutKey || newKey() },
    });
  }
  const booking = await api("POST", `/api/bookings/${encodeURIComponent(state.booking.booking_id)}/payment`, {
    body: { card_number: card },
    headers: { "Idempotency-Key": newKey() },
  });
  state.booking = booking;
  if (booking.status === "confirmed") {
    window.clearInterval(state.holdTimer);
    state.hold = null;
    state.quote = null;
    for (const label of booking.seats) {
      const seat = state.seats.get(label);
      if (seat) {
        seat.status = "sold";
        seat.held_by_you = false;
        paintSeat(label);
      }
    }
    renderLegend();
    renderHold();
    await openTicket(booking.booking_id);
    return;
  }
  // Not paid: a new attempt needs a new checkout (this booking is settled).
  state.checkoutKey = newKey();
  const reasons = {
    payment_failed: `Payment declined${booking.failure_reason ? ` (${booking.failure_reason.replace(/_/g, " ")})` : ""}. Your seats are still held — try another card.`,
    payment_unknown: "We could not confirm the payment yet. Check My bookings in a minute.",
    failed_refunded: "The seats were lost before the payment completed; you have been refunded.",
    expired: "The booking expired before payment.",
  };
  const text = reasons[booking.status] || `Booking is ${BOOKING_STATUS[booking.status] || booking.status}.`;
  $("pay-error").textContent = text;
  $("pay-error").dataset.status = booking.status;
  show($("pay-error"), true);
  if (booking.status !== "payment_failed") {
    state.hold = null;
    renderHold();
  }
}

function wireCheckout() {
  $("hold-selected").addEventListener("click", (event) => {
    const button = event.currentTarget;
    const run = () => action(button, () => holdSeats({ seats: [...state.selected].sort() }, button));
    if (requireLogin(run)) run();
  });
  $("clear-selection").addEventListener("click", () => {
    const labels = [...state.selected];
    state.selected.clear();
    labels.forEach(paintSeat);
    refreshSeatActions();
  });
  $("best-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const button = $("best-submit");
    const best = { count: Number($("best-count").value) };
    if ($("best-category").value) best.category = $("best-category").value;
    const run = () => action(button, () => holdSeats({ best_available: best }, button));
    if (requireLogin(run)) run();
  });
  $("coupon-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action($("coupon-apply"), async () => {
      state.coupon = $("coupon-code").value.trim().toUpperCase();
      state.checkoutKey = newKey();
      try {
        await loadQuote();
      } finally {
        renderHold();
      }
    });
  });
  $("pay-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action($("pay-button"), pay);
  });
  $("extend-hold").addEventListener("click", (event) => {
    action(event.currentTarget, async () => {
      const hold = state.hold;
      if (!hold) return;
      const path = `/api/shows/${encodeURIComponent(hold.show_id)}/holds/${encodeURIComponent(hold.hold_id)}`;
      state.hold = { ...(await api("POST", `${path}/extension`)), placement: hold.placement };
      renderHold();
      announce("Your seats are held for longer.");
    });
  });
  $("release-hold").addEventListener("click", (event) => {
    action(event.currentTarget, () => releaseHold());
  });
}

// ---------------------------------------------------------------------------------------------
// The e-ticket and my bookings

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * The server's SVG markup as an image URL.  Shown as an <img>, never inserted as markup, so
 * nothing in it can run; an image document needs the SVG namespace that inline SVG omits.
 */
function svgDataUrl(markup) {
  const svg = /^\s*<svg\b[^>]*\bxmlns=/.test(markup) ? markup : markup.replace(/<svg\b/, `<svg xmlns="${SVG_NS}"`);
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

async function openTicket(bookingId) {
  const ticket = await api("GET", `/api/bookings/${encodeURIComponent(bookingId)}/ticket`);
  $("ticket-movie").textContent = ticket.movie_title || ticket.movie || "";
  $("ticket-where").textContent = [ticket.theater_name || ticket.theater, ticket.screen_name || ticket.screen]
    .filter(Boolean)
    .join(", ");
  $("ticket-when").textContent = longWhen(ticket.local_starts_at || ticket.starts_at);
  $("ticket-seats").textContent = seatList(ticket.seats || []);
  $("ticket-paid").textContent = money(ticket.total) || "—";
  $("ticket-code").textContent = ticket.booking_code;
  const qr = $("ticket-qr");
  qr.src = svgDataUrl(ticket.qr_svg);
  qr.alt = `QR code of booking ${ticket.booking_code}`;
  $("ticket-panel").dataset.bookingId = bookingId;
  show($("bookings-panel"), false);
  show($("ticket-panel"), true);
  $("ticket-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  $("ticket-title").focus({ preventScroll: true });
}

const showInfo = new Map(); // show_id -> its listing (movie, theater, time), read once

async function listingsOf(bookings) {
  const missing = [...new Set(bookings.map((b) => b.show_id))].filter((id) => !showInfo.has(id));
  await Promise.all(
    missing.map(async (showId) => {
      try {
        const data = await api("GET", `/api/shows/${encodeURIComponent(showId)}/seats`, { auth: false });
        showInfo.set(showId, data.show);
      } catch {
        // Only decoration: the booking is listed without its movie and time.
      }
    }),
  );
}

async function openBookings() {
  const all = await api("GET", "/api/bookings");
  // Bookings abandoned before payment are noise here; the rest are the customer's history.
  const bookings = all.filter((b) => b.status !== "pending_payment" && b.status !== "payment_failed" && b.status !== "expired");
  await listingsOf(bookings);
  const list = $("booking-list");
  const sorted = [...bookings].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  list.replaceChildren(...sorted.map(bookingItem));
  show($("bookings-empty"), bookings.length === 0);
  show($("ticket-panel"), false);
  show($("bookings-panel"), true);
  $("bookings-panel").scrollIntoView({ behavior: "smooth", block: "start" });
}

function bookingItem(booking) {
  const item = el("li", {
    className: "booking",
    dataset: { bookingId: booking.booking_id, status: booking.status },
  });
  fillBooking(item, booking);
  return item;
}

function fillBooking(item, booking) {
  item.dataset.status = booking.status;
  const listing = showInfo.get(booking.show_id);
  const title = listing ? listing.movie_title : "Booking";
  const facts = [
    listing ? longWhen(showStart(listing)) : null,
    listing ? `${listing.theater_name}, ${listing.screen_name}` : null,
    `Seats ${seatList(booking.seats || [])}`,
    booking.paid && booking.paid.paise ? `Paid ${money(booking.paid)}` : `Total ${money(booking.total)}`,
    booking.refunded && booking.refunded.paise ? `Refunded ${money(booking.refunded)}` : null,
    booking.refund_pending && booking.refund_pending.paise
      ? `Refund of ${money(booking.refund_pending)} on its way`
      : null,
  ].filter(Boolean);
  const actions = el("div", { className: "actions booking-actions" });
  if (booking.status === "confirmed" || booking.status === "checked_in") {
    actions.append(
      el("button", {
        type: "button",
        className: "secondary",
        text: "View ticket",
        onclick: (event) => action(event.currentTarget, () => openTicket(booking.booking_id)),
      }),
    );
  }
  if (booking.status === "confirmed") {
    actions.append(
      el("button", {
        type: "button",
        className: "danger-outline",
        text: "Cancel booking…",
        "aria-label": `Cancel booking ${booking.booking_code || booking.booking_id}`,
        onclick: (event) => action(event.currentTarget, () => previewCancel(item, booking)),
      }),
    );
  }
  item.replaceChildren(
    el(
      "div",
      { className: "booking-head" },
      el("strong", { text: title }),
      el("span", {
        className: `badge badge-${booking.status}`,
        text: BOOKING_STATUS[booking.status] || titleCase(booking.status),
      }),
    ),
    booking.booking_code ? el("p", { className: "booking-code" }, "Code ", el("code", { text: booking.booking_code })) : null,
    el("p", { className: "booking-facts", text: facts.join("  ·  ") }),
    actions,
    el("div", { className: "refund-preview", hidden: true }),
  );
}

async function previewCancel(item, booking) {
  const preview = await api("GET", `/api/bookings/${encodeURIComponent(booking.booking_id)}/cancellation`);
  const box = item.querySelector(".refund-preview");
  const amount = preview.amount;
  const lines = preview.lines || [];
  box.replaceChildren(
    el("p", {
      className: "refund-amount",
      text: `Cancelling now refunds ${money(amount)}${preview.full ? " (full refund)" : preview.tier ? ` (${preview.tier.ticket_rate} of the tickets)` : ""}.`,
    }),
    lines.length
      ? el(
          "table",
          { className: "quote", "aria-label": "Refund breakdown" },
          el(
            "tbody",
            {},
            ...lines.map((line) =>
              el(
                "tr",
                { dataset: { kind: line.kind } },
                el("th", { scope: "row", text: line.description || titleCase(line.kind) }),
                el("td", { text: money(line.amount) }),
              ),
            ),
          ),
        )
      : null,
    el(
      "div",
      { className: "actions" },
      el("button", {
        type: "button",
        className: "danger",
        text: "Confirm cancellation",
        onclick: (event) =>
          action(event.currentTarget, async () => {
            const cancelled = await api(
              "POST",
              `/api/bookings/${encodeURIComponent(booking.booking_id)}/cancellation`,
            );
            fillBooking(item, cancelled);
            $("bookings-status").textContent = `Booking cancelled; ${money(amount)} will be refunded.`;
            item.querySelector("strong").focus?.();
          }),
      }),
      el("button", {
        type: "button",
        className: "link-button",
        text: "Keep booking",
        onclick: () => {
          box.hidden = true;
        },
      }),
    ),
  );
  box.hidden = false;
}

function wireBookings() {
  const open = (event) => {
    const button = event.currentTarget;
    const run = () => action(button, openBookings);
    if (requireLogin(run)) run();
  };
  $("bookings-button").addEventListener("click", open);
  $("ticket-bookings").addEventListener("click", open);
  $("bookings-close").addEventListener("click", () => {
    show($("bookings-panel"), false);
    $("browse-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  });
  $("ticket-again").addEventListener("click", () => {
    show($("ticket-panel"), false);
    $("browse-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  });
}

// ---------------------------------------------------------------------------------------------

function start() {
  $("ticket-title").tabIndex = -1;
  wireAccount();
  wireBrowsing();
  wireCheckout();
  wireBookings();
  renderAccount();
  window.addEventListener("resize", () => {
    if (!$("booking-area").hidden) centreHall();
  });
  document.body.dataset.ready = "false";
  action(null, async () => {
    await loadCities();
    await restoreHold();
  }).finally(() => {
    document.body.dataset.ready = "true";
  });
}

start();
