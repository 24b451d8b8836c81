"""Events stage: foot strikes and toe-offs (:mod:`~gaitlab.events.detect`) and the stride
table (:mod:`~gaitlab.events.strides`), whose column names live in
:mod:`~gaitlab.events.columns`."""
