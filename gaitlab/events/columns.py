"""Column names of the event and stride tables (one place, used everywhere).

Event table (:func:`gaitlab.events.detect.detect_events`): one row per foot contact of one foot,
with its foot strike and toe-off.

Stride table (:func:`gaitlab.events.strides.stride_table`): one row per stride of one side, from
a foot strike to the next foot strike of the same foot.

Times are seconds from the clip start (sub-frame, interpolated); frame indices are the nearest
decoded frame.
"""

from __future__ import annotations

# --- shared
SIDE = "side"  # "left" or "right"
QUALITY = "quality"  # "ok", or the problems joined by ";" (see QUALITY_FLAGS)
USABLE = "usable"  # bool: QUALITY == "ok"

# --- contact (event) table
FOOT_STRIKE_S = "foot_strike_s"
TOE_OFF_S = "toe_off_s"
FOOT_STRIKE_FRAME = "foot_strike_frame"
TOE_OFF_FRAME = "toe_off_frame"
CONTACT_TIME_S = "contact_time_s"

# --- stride table (also has SIDE, FOOT_STRIKE_S, TOE_OFF_S, their frames, CONTACT_TIME_S)
START_S = "start_s"  # this foot's strike
END_S = "end_s"  # this foot's next strike
START_FRAME = "start_frame"
END_FRAME = "end_frame"
STRIDE_TIME_S = "stride_time_s"
OPPOSITE_FOOT_STRIKE_S = "opposite_foot_strike_s"  # the other foot's strike inside the stride
STEP_TIME_S = "step_time_s"  # this foot's strike to the other foot's next strike
FLIGHT_TIME_S = "flight_time_s"  # this foot's toe-off to the other foot's next strike
DUTY_FACTOR = "duty_factor"  # contact time / stride time (0..1)

# --- key frames of a stride (added by the metrics of a side view; <NA> where not measured):
# the very frame a reported per-stride value comes from, for the report's key frames
HIP_EXTENSION_FRAME = "hip_extension_frame"  # the frame of the thigh's peak extension
KNEE_FLEXION_PEAK_STANCE_FRAME = "knee_flexion_peak_stance_frame"  # peak knee bend in stance
KEY_FRAME_COLUMNS: tuple[str, ...] = (HIP_EXTENSION_FRAME, KNEE_FLEXION_PEAK_STANCE_FRAME)

CONTACT_COLUMNS: tuple[str, ...] = (
    SIDE,
    FOOT_STRIKE_S,
    TOE_OFF_S,
    FOOT_STRIKE_FRAME,
    TOE_OFF_FRAME,
    CONTACT_TIME_S,
    QUALITY,
    USABLE,
)

STRIDE_COLUMNS: tuple[str, ...] = (
    SIDE,
    START_S,
    END_S,
    START_FRAME,
    END_FRAME,
    FOOT_STRIKE_S,
    TOE_OFF_S,
    FOOT_STRIKE_FRAME,
    TOE_OFF_FRAME,
    OPPOSITE_FOOT_STRIKE_S,
    STRIDE_TIME_S,
    CONTACT_TIME_S,
    STEP_TIME_S,
    FLIGHT_TIME_S,
    DUTY_FACTOR,
    QUALITY,
    USABLE,
)

# --- quality flags (joined by ";" in QUALITY)
FLAG_GAP = "gap"  # frames without the foot's landmarks inside the stride or next to an event
FLAG_STRIDE_TIME = "stride_time"  # stride time outside the plausible running range
FLAG_CONTACT_TIME = "contact_time"  # contact time outside the plausible range
FLAG_STEP_TIME = "step_time"  # step time outside the plausible range or no opposite strike
FLAG_NO_TOE_OFF = "no_toe_off"  # the toe-off could not be timed
FLAG_OUTSIDE = "outside_range"  # outside the analysed time range

QUALITY_FLAGS: tuple[str, ...] = (
    FLAG_GAP,
    FLAG_STRIDE_TIME,
    FLAG_CONTACT_TIME,
    FLAG_STEP_TIME,
    FLAG_NO_TOE_OFF,
    FLAG_OUTSIDE,
)
QUALITY_OK = "ok"
