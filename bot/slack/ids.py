"""Every action id, callback id and shortcut id the Slack app uses, in one place."""

from __future__ import annotations

import enum

from bot.messages import Action


class ActionId(enum.StrEnum):
    OPEN_CASE = "mc_open_case"
    TAKE_UP = "mc_take_up"
    CONTINUE = "mc_continue"
    ACUTE = "mc_acute"
    NEW_CASE = "mc_new_case"
    REOPEN = "mc_reopen"
    PROPOSE_MOMENT = "mc_propose_moment"
    HAND_TO_DEPUTY = "mc_hand_to_deputy"
    ADD_SIGNAL = "mc_add_signal"
    ADD_CONTACT = "mc_add_contact"
    FOLLOW_UP = "mc_follow_up"
    CORRECT = "mc_correct"
    EXPORT = "mc_export"
    SNOOZE_DAY = "mc_snooze_day"
    SNOOZE_WEEK = "mc_snooze_week"
    REMINDER_DONE = "mc_reminder_done"
    MANAGE_ROLES = "mc_manage_roles"
    RECORD_ABSENCE = "mc_record_absence"
    WELCOME_ALL = "mc_welcome_all"
    EXPLAIN = "mc_explain"
    FEEDBACK = "mc_feedback"
    STATS_CHART = "mc_stats_chart"
    REPORT = "mc_report"
    BOARD_ACK = "mc_board_ack"
    HELP_PLAN = "mc_help_plan"
    ADD_SISA = "mc_add_sisa"
    LINK = "mc_link"  # a button that opens a one-time link in the browser (numbered: mc_link_0, mc_link_1)
    TIMELINE = "mc_timeline"  # a case's whole timeline, from its overview (Slack only: the console shows it all)


# The neutral actions of bot.messages map one to one onto Slack action ids.
FOR_ACTION = {
    Action.OPEN_CASE: ActionId.OPEN_CASE,
    Action.TAKE_UP: ActionId.TAKE_UP,
    Action.CONTINUE: ActionId.CONTINUE,
    Action.ACUTE: ActionId.ACUTE,
    Action.NEW_CASE: ActionId.NEW_CASE,
    Action.REOPEN: ActionId.REOPEN,
    Action.PROPOSE_MOMENT: ActionId.PROPOSE_MOMENT,
    Action.HAND_TO_DEPUTY: ActionId.HAND_TO_DEPUTY,
    Action.SNOOZE_DAY: ActionId.SNOOZE_DAY,
    Action.SNOOZE_WEEK: ActionId.SNOOZE_WEEK,
    Action.REMINDER_DONE: ActionId.REMINDER_DONE,
    Action.MANAGE_ROLES: ActionId.MANAGE_ROLES,
    Action.RECORD_ABSENCE: ActionId.RECORD_ABSENCE,
    Action.WELCOME_ALL: ActionId.WELCOME_ALL,
    Action.EXPLAIN: ActionId.EXPLAIN,
    Action.FEEDBACK: ActionId.FEEDBACK,
    Action.STATS_CHART: ActionId.STATS_CHART,
    Action.REPORT: ActionId.REPORT,
    Action.BOARD_ACK: ActionId.BOARD_ACK,
    Action.HELP_PLAN: ActionId.HELP_PLAN,
    Action.ADD_SIGNAL: ActionId.ADD_SIGNAL,
    Action.ADD_CONTACT: ActionId.ADD_CONTACT,
    Action.ADD_SISA: ActionId.ADD_SISA,
}


class CallbackId(enum.StrEnum):
    ANSWER = "mc_answer"  # a step of the flow
    ENTRY = "mc_entry"  # a signal or contact, at any time
    FOLLOW_UP = "mc_follow_up"  # confirm or refute a hypothesis
    CORRECTION = "mc_correction"  # a correction of an answer
    MOMENT = "mc_moment"  # the AF proposes a moment
    REMINDER_DONE = "mc_reminder_done"  # a reminder marked done, with a note
    MESSAGE_SIGNAL = "mc_message_signal"  # a message recorded as a signal
    INFO = "mc_info"  # read-only views (a case, a confirmation)
    ROLES_PICK = "mc_roles_pick"  # an admin picks whose roles to change
    ROLES = "mc_roles"  # ... and sets them
    ABSENCE = "mc_absence"  # an absence of the AF or a deputy


class ShortcutId(enum.StrEnum):
    NEW_CASE = "mc_new_case_shortcut"
    MESSAGE_SIGNAL = "mc_message_signal_shortcut"


COMMAND = "/meldcode"
VALUE = "value"  # the action id of every input element; its block id names the field
