//! The library's words (lesson topics, exercise sides) between the domain enums of
//! `content` and the stored enums of `entity`. Both sides declare the same words, so each
//! conversion is total; the matches are written out so that a word added on one side
//! only fails to compile here.

use crate::content::{Side, Topic};

impl From<entity::lesson::Topic> for Topic {
    fn from(v: entity::lesson::Topic) -> Self {
        match v {
            entity::lesson::Topic::Posture => Topic::Posture,
            entity::lesson::Topic::BodyMechanics => Topic::BodyMechanics,
            entity::lesson::Topic::Ergonomics => Topic::Ergonomics,
            entity::lesson::Topic::Breathing => Topic::Breathing,
            entity::lesson::Topic::Sleep => Topic::Sleep,
            entity::lesson::Topic::SelfCare => Topic::SelfCare,
        }
    }
}

impl From<Topic> for entity::lesson::Topic {
    fn from(v: Topic) -> Self {
        match v {
            Topic::Posture => entity::lesson::Topic::Posture,
            Topic::BodyMechanics => entity::lesson::Topic::BodyMechanics,
            Topic::Ergonomics => entity::lesson::Topic::Ergonomics,
            Topic::Breathing => entity::lesson::Topic::Breathing,
            Topic::Sleep => entity::lesson::Topic::Sleep,
            Topic::SelfCare => entity::lesson::Topic::SelfCare,
        }
    }
}

impl From<entity::Side> for Side {
    fn from(s: entity::Side) -> Self {
        match s {
            entity::Side::Left => Side::Left,
            entity::Side::Right => Side::Right,
            entity::Side::Both => Side::Both,
            entity::Side::None => Side::None,
        }
    }
}

impl From<Side> for entity::Side {
    fn from(s: Side) -> Self {
        match s {
            Side::Left => entity::Side::Left,
            Side::Right => entity::Side::Right,
            Side::Both => entity::Side::Both,
            Side::None => entity::Side::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_sides_are_stored_under_the_words_the_api_uses() {
        for topic in Topic::ALL {
            let stored = entity::lesson::Topic::from(topic);
            assert_eq!((stored.as_str(), Topic::from(stored)), (topic.as_str(), topic));
        }
        for side in Side::ALL {
            let stored = entity::Side::from(side);
            assert_eq!((stored.as_str(), Side::from(stored)), (side.as_str(), side));
        }
    }
}
