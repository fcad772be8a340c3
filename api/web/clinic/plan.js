// The care-plan builder: search the library by body region and text, prescribe with a
// dosage, reorder, change or remove exercises, and set goals and lessons. Every change
// is one call to the care-plan endpoints, which bump the plan's version and keep a
// snapshot; the screen always redraws from the plan the server answers with, so what
// it shows is what the patient's today will show.

import { api, query, ApiError } from "./api.js";
import { h, field, day, words, todayIn, announce, problem } from "./dom.js";
import { dosageForm, summary } from "./dosage.js";
import { zones } from "./patient.js";

const REGIONS = ["neck", "upper_back", "shoulders", "chest", "lower_back", "hips", "legs", "feet", "wrists", "jaw"];

/** The server's message, for forms that show it under themselves. */
function explained(err) {
  return new Error(err instanceof ApiError ? problem(err) : String(err));
}

async function patientToday(patientId) {
  if (!zones.has(patientId)) {
    const t = await api("GET", `/api/v1/patients/${patientId}/trends`);
    zones.set(patientId, t.timezone);
  }
  return todayIn(zones.get(patientId));
}

function startForm(patientId, today, done) {
  const title = h("input", { type: "text", required: true, maxlength: 200, value: "Home programme" });
  const start = h("input", { type: "date", required: true, value: today });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { id: "new-plan" }, field("Plan title", title), field("Starts on", start, "The patient's local date."), h("button", { type: "submit" }, "Start the plan"), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const plan = await api("POST", `/api/v1/patients/${patientId}/care-plans`, { title: title.value, start_date: start.value });
      announce("Plan started.");
      await done(plan);
    } catch (err) {
      message.textContent = problem(err);
    }
  });
  return h("section", { class: "panel" }, h("h3", {}, "No active plan"), h("p", {}, "Start one to prescribe exercises, goals and lessons."), form);
}

export async function renderPlan(container, patientId) {
  const [patient, plans, today] = await Promise.all([
    api("GET", `/api/v1/patients/${patientId}`),
    api("GET", `/api/v1/patients/${patientId}/care-plans`),
    patientToday(patientId),
  ]);
  const heading = h("h2", { tabindex: "-1", class: "view-title" }, `Care plan: ${patient.display_name}`);
  const back = h("p", {}, h("a", { href: `#/patients/${patientId}`, class: "back" }, `← ${patient.display_name}`));
  const summaryPlan = plans.find((p) => p.status === "active") ?? plans.find((p) => p.status === "paused");
  if (!summaryPlan) {
    container.replaceChildren(back, heading, startForm(patientId, today, () => renderPlan(container, patientId)));
    return;
  }
  const builder = new Builder(patientId, today);
  container.replaceChildren(back, heading, builder.el);
  await builder.load(summaryPlan.id);
}

class Builder {
  constructor(patientId, today) {
    this.patientId = patientId;
    this.today = today;
    this.plan = null;
    this.header = h("div", { class: "plan-header" });
    this.exercises = h("ol", { class: "list plan-exercises", id: "plan-exercises" });
    this.goals = h("div", { id: "plan-goals" });
    this.lessons = h("div", { id: "plan-lessons" });
    this.results = h("ul", { class: "list", id: "library-results" });
    this.el = h(
      "div",
      { class: "builder" },
      h(
        "section",
        { class: "panel library", "aria-labelledby": "library-title" },
        h("h3", { id: "library-title" }, "Exercise library"),
        this.searchForm(),
        this.results,
      ),
      h(
        "section",
        { class: "panel plan", "aria-labelledby": "plan-title" },
        h("h3", { id: "plan-title" }, "The plan"),
        this.header,
        h("h4", {}, "Exercises, in the patient's order"),
        this.exercises,
        h("h4", {}, "Goals"),
        this.goals,
        h("h4", {}, "Lessons"),
        this.lessons,
      ),
    );
  }

  async load(planId) {
    const [plan] = await Promise.all([api("GET", `/api/v1/care-plans/${planId}`), this.search()]);
    this.show(plan);
    await this.renderLessons();
  }

  /** Runs one change; the plan it answers with becomes what the screen shows. */
  async change(method, path, body, saying) {
    try {
      const plan = await api(method, `/api/v1/care-plans/${this.plan.id}${path}`, body);
      this.show(plan);
      await this.renderLessons();
      announce(`${saying} Plan version ${plan.version}.`);
      return plan;
    } catch (err) {
      throw explained(err);
    }
  }

  show(plan) {
    this.plan = plan;
    const paused = plan.status === "active" ? [] : [h("p", { class: "hint" }, "This plan is paused: the patient does not see it until it is resumed.")];
    this.header.replaceChildren(
      h("p", {}, h("strong", {}, plan.title), ` · ${words(plan.status)} · from ${day(plan.start_date)}${plan.end_date ? ` to ${day(plan.end_date)}` : ""} · version ${plan.version}`),
      ...paused,
    );
    this.renderExercises();
    this.renderGoals();
  }

  searchForm() {
    const region = h("select", { id: "library-region" }, h("option", { value: "" }, "Any region"), ...REGIONS.map((r) => h("option", { value: r }, words(r))));
    const text = h("input", { type: "search", id: "library-search", maxlength: 100, placeholder: "e.g. stretch" });
    this.region = region;
    this.text = text;
    const form = h("form", { role: "search", "aria-label": "Exercise library" }, h("div", { class: "grid" }, field("Body region", region), field("Words in the title or summary", text)), h("button", { type: "submit" }, "Search"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search().catch((err) => announce(`Search failed: ${problem(err)}`));
    });
    return form;
  }

  async search() {
    const page = await api("GET", `/api/v1/exercises${query({ region: this.region.value, search: this.text.value.trim(), limit: 50 })}`);
    const items = page.items.map((e) => this.libraryItem(e));
    this.results.replaceChildren(...(items.length ? items : [h("li", { class: "meta" }, "Nothing in the library matches.")]));
    announce(`${page.items.length} exercises found.`);
  }

  libraryItem(exercise) {
    const add = h("button", { type: "button", "aria-expanded": "false" }, "Add to plan");
    add.setAttribute("aria-label", `Add to plan: ${exercise.title}`);
    const slot = h("div", {});
    const li = h("li", { class: "item", dataset: { exercise: exercise.id } }, h("h4", {}, exercise.title), h("p", {}, exercise.summary), h("p", { class: "meta" }, exercise.regions.map(words).join(", ")), add, slot);
    add.addEventListener("click", () => {
      if (slot.firstChild) {
        slot.replaceChildren();
        add.setAttribute("aria-expanded", "false");
        return;
      }
      add.setAttribute("aria-expanded", "true");
      const form = dosageForm(exercise.default_dosage, `Prescribe ${exercise.title}`, async (prescription) => {
        await this.change("POST", "/exercises", { exercise_id: exercise.id, prescription }, `Added ${exercise.title}.`);
        slot.replaceChildren();
        add.setAttribute("aria-expanded", "false");
        add.focus();
      }, () => {
        slot.replaceChildren();
        add.setAttribute("aria-expanded", "false");
        add.focus();
      });
      slot.replaceChildren(form);
      form.querySelector("input").focus();
    });
    return li;
  }

  renderExercises() {
    const list = this.plan.exercises;
    if (!list.length) {
      this.exercises.replaceChildren(h("li", { class: "meta" }, "No exercises yet: add some from the library."));
      return;
    }
    this.exercises.replaceChildren(...list.map((e, index) => this.planItem(e, index, list.length)));
  }

  planItem(e, index, count) {
    const id = e.plan_exercise_id;
    // Each name starts with the visible text (WCAG 2.5.3) and then says which exercise.
    const button = (text, action, disabled) =>
      h("button", { type: "button", class: "secondary", disabled, "aria-label": `${text}: ${e.title}`, dataset: { action, item: id } }, text);
    const up = button("Move up", "up", index === 0);
    const down = button("Move down", "down", index === count - 1);
    const edit = button("Change dosage", "edit", false);
    const remove = button("Remove", "remove", false);
    const slot = h("div", {});
    const move = async (to, action) => {
      try {
        await this.change("PUT", `/exercises/${id}/position`, { position: to }, `Moved ${e.title} to place ${to + 1}.`);
        // Keep the keyboard where it was, so the item can be moved again at once.
        const again = this.exercises.querySelector(`button[data-item="${id}"][data-action="${action}"]:enabled`);
        (again ?? this.exercises.querySelector(`button[data-item="${id}"]:enabled`))?.focus();
      } catch (err) {
        announce(`Not moved: ${err.message}`);
      }
    };
    up.addEventListener("click", () => move(index - 1, "up"));
    down.addEventListener("click", () => move(index + 1, "down"));
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Remove ${e.title} from the plan? Its logs stay in the history.`)) return;
      try {
        await this.change("DELETE", `/exercises/${id}`, undefined, `Removed ${e.title}.`);
        this.exercises.querySelector("button")?.focus();
      } catch (err) {
        announce(`Not removed: ${err.message}`);
      }
    });
    edit.addEventListener("click", () => {
      if (slot.firstChild) {
        slot.replaceChildren();
        return;
      }
      const form = dosageForm(e, `Save ${e.title}`, (prescription) => this.change("PUT", `/exercises/${id}`, prescription, `Saved the dosage of ${e.title}.`), () => {
        slot.replaceChildren();
        edit.focus();
      });
      slot.replaceChildren(form);
      form.querySelector("input").focus();
    });
    return h(
      "li",
      { class: "item", dataset: { item: id, exercise: e.exercise_id } },
      h("h5", {}, e.title),
      h("p", { class: "dosage-summary" }, summary(e)),
      e.notes ? h("p", { class: "note" }, e.notes) : null,
      h("div", { class: "actions" }, up, down, edit, remove),
      slot,
    );
  }

  renderGoals() {
    const items = this.plan.goals.map((g) => {
      const mark = (status, text) => {
        const b = h("button", { type: "button", class: "secondary" }, text);
        b.setAttribute("aria-label", `${text}: ${g.activity}`);
        b.addEventListener("click", () => this.change("PATCH", `/goals/${g.id}`, { status }, `Goal marked ${status}.`).catch((err) => announce(`Not saved: ${err.message}`)));
        return b;
      };
      return h(
        "li",
        { class: "item" },
        h("p", {}, h("strong", {}, g.activity), ` · from ${g.baseline} to ${g.target} of 10${g.target_date ? ` by ${day(g.target_date)}` : ""} · ${words(g.status)}`),
        g.status === "active" ? h("div", { class: "actions" }, mark("achieved", "Achieved"), mark("dropped", "Drop")) : null,
      );
    });
    const activity = h("input", { type: "text", required: true, maxlength: 200, placeholder: "e.g. turn the head to check the blind spot" });
    const baseline = h("input", { type: "number", min: 0, max: 10, step: 1, required: true, value: 3 });
    const target = h("input", { type: "number", min: 0, max: 10, step: 1, required: true, value: 7 });
    const by = h("input", { type: "date" });
    const message = h("p", { class: "error", role: "alert" });
    const form = h("form", { id: "goal-form" }, field("Activity", activity), h("div", { class: "grid" }, field("Ability now (0–10)", baseline), field("Target (0–10)", target), field("Target date (optional)", by)), h("button", { type: "submit" }, "Add goal"), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await this.change("POST", "/goals", { activity: activity.value, baseline: Number(baseline.value), target: Number(target.value), target_date: by.value || null }, "Goal added.");
      } catch (err) {
        message.textContent = err.message;
      }
    });
    this.goals.replaceChildren(items.length ? h("ul", { class: "list" }, ...items) : h("p", { class: "meta" }, "No goals yet."), form);
  }

  async renderLessons() {
    this.library ??= (await api("GET", "/api/v1/lessons?limit=200")).items;
    const assigned = this.plan.lessons.map((l) => {
      const remove = h("button", { type: "button", class: "secondary" }, "Remove");
      remove.setAttribute("aria-label", `Remove: ${l.title}`);
      remove.addEventListener("click", () => this.change("DELETE", `/lessons/${l.plan_lesson_id}`, undefined, `Removed ${l.title}.`).catch((err) => announce(`Not removed: ${err.message}`)));
      return h("li", { class: "item" }, h("p", {}, h("strong", {}, l.title), ` · ${l.minutes} min · opens ${day(l.unlock_date)}`), remove);
    });
    const taken = new Set(this.plan.lessons.map((l) => l.lesson_id));
    const topics = [...new Set(this.library.map((l) => l.topic))];
    const pick = h(
      "select",
      { required: true },
      h("option", { value: "" }, "Choose a lesson"),
      ...topics.map((t) => h("optgroup", { label: words(t) }, ...this.library.filter((l) => l.topic === t && !taken.has(l.id)).map((l) => h("option", { value: l.id }, `${l.title} (${l.minutes} min)`)))),
    );
    const unlock = h("input", { type: "date", value: this.today > this.plan.start_date ? this.today : this.plan.start_date });
    const message = h("p", { class: "error", role: "alert" });
    const form = h("form", { id: "lesson-form" }, h("div", { class: "grid" }, field("Lesson", pick), field("Opens on", unlock)), h("button", { type: "submit" }, "Assign lesson"), message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await this.change("POST", "/lessons", { lesson_id: pick.value, unlock_date: unlock.value || null }, "Lesson assigned.");
      } catch (err) {
        message.textContent = err.message;
      }
    });
    this.lessons.replaceChildren(assigned.length ? h("ul", { class: "list" }, ...assigned) : h("p", { class: "meta" }, "No lessons yet."), form);
  }
}
