//! Built-in lessons on posture, body mechanics and self-care. Original text written for
//! Fascia; general education only, no treatment claims.

use super::{BuiltinLesson, CheckQuestion, Topic};

pub static LESSONS: &[BuiltinLesson] = &[
    BuiltinLesson {
        slug: "sitting-and-desk-setup",
        title: "Setting up your desk and chair",
        topic: Topic::Ergonomics,
        minutes: 3,
        body: r#"## Why set-up matters

You might spend thousands of hours a year at a desk. Small changes to how your chair, screen and keyboard are arranged can take a lot of load off your neck, shoulders and back.

## Start with the chair

- Sit all the way back so the backrest supports your lower back. A small cushion or rolled towel can fill the gap.
- Adjust the height so your feet rest flat on the floor and your knees sit roughly level with your hips.
- If your feet dangle, use a footrest or a sturdy box.

## Then the screen

- Put the monitor about an arm's length away.
- Set the top of the screen at or slightly below eye level, so you look a little down without tipping your head.
- Laptop users: a stand plus a separate keyboard and mouse makes a big difference.

## Keyboard and mouse

- Keep them close so your elbows stay near your sides, bent at roughly a right angle.
- Let your wrists float in a straight line rather than bending up or resting on a hard edge.
- Keep the mouse right beside the keyboard, not out at arm's reach.

## No single perfect posture

Even a well-set-up desk becomes tiring if you never move. Think of your set-up as a good home base, and plan to leave it often. Shift position, stand up, and take short breaks through the day.

If you are unsure whether your set-up suits your body, take a photo of it and ask your therapist at your next visit."#,
        questions: &[
            CheckQuestion {
                prompt: "Where should the top of your screen usually be?",
                options: &[
                    "Well above your eyes so you look up",
                    "At or slightly below eye level",
                    "Flat on the desk beside your keyboard",
                ],
                correct: 1,
                explanation: "A screen at or just below eye level lets you see it without tipping your head up or down for long periods.",
            },
            CheckQuestion {
                prompt: "What is the best way to think about sitting posture?",
                options: &[
                    "Find one perfect position and hold it all day",
                    "Posture does not matter if your chair is expensive",
                    "Set up a good home base, then change position often",
                ],
                correct: 2,
                explanation: "Any position gets tiring if you hold it too long. Regular movement matters as much as the set-up itself.",
            },
        ],
    },
    BuiltinLesson {
        slug: "phone-use-and-text-neck",
        title: "Phones and the forward head",
        topic: Topic::Posture,
        minutes: 3,
        body: r#"## What people mean by text neck

When you look down at a phone, your head usually tips forward and your upper back rounds. Your head is heavy, and the further forward it drifts, the harder the muscles at the back of your neck and shoulders work to hold it up. Doing this for a few minutes is not a problem. Doing it for hours a day can leave many people feeling stiff and sore.

## Bring the phone up

- Raise the phone closer to eye level instead of dropping your head to meet it.
- Rest your elbows on a table, the arms of a chair, or a cushion on your lap so your arms do not tire.
- On a sofa, a pillow under your forearms helps a lot.

## Change how you use it

- Use voice messages or dictation for longer replies.
- Switch to a tablet stand or computer for long reading or video.
- Hold the phone with both hands now and then, so one hand and thumb are not doing all the work.

## Take mini resets

Every so often, put the phone down and:

- Do a few slow chin tucks.
- Roll your shoulders back and down.
- Look at something far away for a few breaths.

## Be kind to yourself

There is no need to fear looking down; necks are built to bend. The goal is variety. Notice when you have been in one position for a long time, and move."#,
        questions: &[
            CheckQuestion {
                prompt: "Which change helps most when reading on your phone for a long time?",
                options: &[
                    "Raise the phone toward eye level and support your arms",
                    "Hold the phone in your lap and look down further",
                    "Read faster so it takes less time",
                ],
                correct: 0,
                explanation: "Bringing the phone up with your arms supported means your head does not need to drift forward as much.",
            },
            CheckQuestion {
                prompt: "Is looking down at your phone dangerous for your neck?",
                options: &[
                    "Yes, you should never look down",
                    "No; the issue is staying in one position for a long time",
                    "Only if you use your left hand",
                ],
                correct: 1,
                explanation: "Your neck is designed to bend. Long, unbroken periods in the same position are what many people find uncomfortable.",
            },
        ],
    },
    BuiltinLesson {
        slug: "lifting-with-a-hip-hinge",
        title: "Lifting with a hip hinge",
        topic: Topic::BodyMechanics,
        minutes: 4,
        body: r#"## What a hip hinge is

A hip hinge means bending mostly at your hips, pushing them back, while your spine keeps roughly its natural shape. Your powerful hip and thigh muscles then share the work, instead of your back doing it alone.

## Practice without a load

1. Stand with your feet about hip-width apart.
2. Place your hands on the front of your hips.
3. Soften your knees and push your hips back, as if closing a car door with your bottom.
4. Let your chest tip forward while your back stays long.
5. Squeeze your buttocks to stand back up.

## Lifting something real

- Get close. Stand with the object between your feet or right in front of your shins.
- Plan first. Know where it is going and clear the path.
- Hinge and bend your knees as much as needed to reach it.
- Grip firmly, tighten your belly a little, and breathe out as you stand.
- Keep the load close to your body the whole way.

## Turning with a load

Turn by moving your feet, not by twisting your trunk while you hold something heavy.

## Know your limits

- Split a heavy load into smaller trips.
- Ask for help or use a trolley for awkward items.
- If your back is in a flare, lift less than usual and ask your therapist which movements suit you right now.
- If you have osteoporosis or low bone density, ask your therapist how much you can lift, and avoid lifting with your back rounded and twisted at the same time.
- If you are pregnant, ask your midwife or doctor what you can lift as your pregnancy goes on.

Backs are strong and can bend; rounding a little is not dangerous in itself. The hinge is simply a useful tool that spreads the effort across more of your body."#,
        questions: &[
            CheckQuestion {
                prompt: "In a hip hinge, where does most of the bending happen?",
                options: &["At the hips", "In the neck", "In the lower back only"],
                correct: 0,
                explanation: "You push your hips back so the large hip muscles help with the lift.",
            },
            CheckQuestion {
                prompt: "How should you turn while carrying something heavy?",
                options: &[
                    "Twist at the waist and keep your feet still",
                    "Step your feet around to turn your whole body",
                    "Turn quickly to get it over with",
                ],
                correct: 1,
                explanation: "Moving your feet keeps your trunk and the load facing the same way.",
            },
        ],
    },
    BuiltinLesson {
        slug: "carrying-bags-and-children",
        title: "Carrying bags and children",
        topic: Topic::BodyMechanics,
        minutes: 3,
        body: r#"## Spread the load

Carrying something on one side all the time makes your body lean and brace to one side. Sharing the load more evenly is a simple way to reduce that strain.

## Bags

- Use a backpack with both straps on for heavy loads, and tighten the straps so it sits close to your back.
- With a shoulder bag, wear it across your body, and switch sides regularly.
- Split groceries into two bags of similar weight, one in each hand.
- Clear out your bag every week or so. Small items add up.
- Lift a heavy bag from the floor using a hip hinge, not by reaching down with straight legs.

## Children

- Hold a child close to your chest, facing you, rather than perched on one hip.
- If you do use your hip, swap sides often and try not to push that hip far out to the side.
- A well-fitted carrier or sling spreads the weight over both shoulders and your hips.
- When lifting a child out of a cot or car seat, get as close as you can first. Lower the cot side if possible, and step in rather than reaching.
- Encourage children who can walk to climb up to your level, for example onto a step or sofa, before you pick them up.

## Listen to your body

Notice which side you always favor. If one shoulder or hip aches after carrying, that is a cue to switch sides more, lighten the load, or take more breaks. Your therapist can suggest stretches for the areas that feel overworked."#,
        questions: &[
            CheckQuestion {
                prompt: "What is a good way to carry heavy groceries?",
                options: &[
                    "All in one bag on your stronger side",
                    "Split into two bags of similar weight, one in each hand",
                    "Hooked over one elbow with your arm bent",
                ],
                correct: 1,
                explanation: "Balancing the weight on both sides means your trunk does not have to lean to one side.",
            },
            CheckQuestion {
                prompt: "When carrying a toddler on your hip, what helps?",
                options: &[
                    "Always using the same hip",
                    "Pushing the hip far out to make a shelf",
                    "Swapping sides often",
                ],
                correct: 2,
                explanation: "Switching sides shares the work between both sides of your body.",
            },
        ],
    },
    BuiltinLesson {
        slug: "sleeping-positions-and-pillows",
        title: "Sleeping positions and pillows",
        topic: Topic::Sleep,
        minutes: 3,
        body: r#"## The aim

Good sleep posture is less about one correct position and more about keeping your neck and back in a comfortable, roughly neutral line for long stretches of the night. Pillows are your main tools.

## On your back

- Use a pillow that supports the curve of your neck without pushing your chin toward your chest.
- A pillow under your knees takes tension off your lower back for many people.

## On your side

- Choose a pillow thick enough to fill the space between your ear and the mattress, so your head is level with your spine.
- Put a pillow between your knees to keep your top leg from pulling your pelvis and lower back around.
- Hugging a pillow can stop your top shoulder from rolling forward.

## On your stomach

- This position turns your neck to one side for hours, which many people find stiffening.
- If it is the only way you can sleep, try a very thin pillow or none, and a flat pillow under your hips.
- Some people gradually shift to a three-quarter position, partly on the side, with a body pillow.

## Getting in and out of bed

Roll onto your side, drop your legs over the edge, and push up with your arms. This avoids a sudden sit-up when you are stiff.

## Mattress and routine

A mattress that is too soft or badly sagging can make it hard to stay comfortable. There is no single best firmness; go with what lets you wake up feeling least stiff. Ask your therapist which positions suit your current symptoms."#,
        questions: &[
            CheckQuestion {
                prompt: "For side sleeping, what can a pillow between your knees do?",
                options: &[
                    "Keep your top leg from twisting your pelvis and lower back",
                    "Keep your feet warm",
                    "Make your neck pillow unnecessary",
                ],
                correct: 0,
                explanation: "Without support, the top leg drops forward and can pull your lower back into a twist for hours.",
            },
            CheckQuestion {
                prompt: "What is a gentle way to get out of bed when you are stiff?",
                options: &[
                    "Sit straight up in one quick movement",
                    "Roll to your side, lower your legs, and push up with your arms",
                    "Swing both legs up and jump out",
                ],
                correct: 1,
                explanation: "Rolling to the side first lets your arms do much of the work and avoids a sudden bend.",
            },
        ],
    },
    BuiltinLesson {
        slug: "standing-and-weight-shifts",
        title: "Standing well and shifting your weight",
        topic: Topic::Posture,
        minutes: 3,
        body: r#"## Standing for long periods

Jobs such as retail, hairdressing, teaching and cooking can mean hours on your feet. Standing perfectly still is surprisingly tiring, because the same muscles have to hold you in the same spot.

## A comfortable starting point

- Feet about hip-width apart, with weight spread across heels and the balls of your feet.
- Knees soft, not locked back.
- Ribs stacked over your pelvis, neither leaning back nor slumping forward.
- Shoulders relaxed and arms loose.

This is a place to return to, not a pose to hold rigidly.

## Keep moving

- Shift your weight from foot to foot every few minutes.
- Rest one foot on a low step, shelf or box, and swap feet now and then.
- Walk a few steps whenever the task allows.
- Rise up onto your toes and back down a few times to get your calves pumping.

## Watch for habits

- Hanging on one hip with the other knee bent is fine briefly, but try to use both sides equally.
- Locking your knees and leaning back can load your lower back.
- Leaning over a low work surface for a long time tires your back; raise the work if you can.

## Shoes and surfaces

Supportive, cushioned shoes and an anti-fatigue mat can make long shifts more comfortable for many people.

## After a long day

A few gentle calf and hip flexor stretches, or a short walk, can help you unwind. Ask your therapist which stretches fit you best.

Never stretch or massage a calf that is swollen, warm, red or tender to touch: it can be a sign of a blood clot, especially after a long flight, an operation or time off your feet. Leave it alone and see a doctor the same day."#,
        questions: &[CheckQuestion {
            prompt: "What helps most during long periods of standing?",
            options: &[
                "Locking your knees to save energy",
                "Standing completely still",
                "Shifting your weight and changing position often",
            ],
            correct: 2,
            explanation: "Regular small changes share the work among different muscles so no single area tires out.",
        }],
    },
    BuiltinLesson {
        slug: "micro-breaks-during-screen-work",
        title: "Micro-breaks during screen work",
        topic: Topic::Ergonomics,
        minutes: 2,
        body: r#"## Small and often beats long and rare

A micro-break is a pause of 30 seconds to two minutes. Many people find that frequent short pauses do more for stiffness and tired eyes than one long break at lunch.

## How often

- Aim for a brief pause roughly every 20 to 30 minutes.
- Use a timer, an app, or a natural cue such as sending an email or ending a call.
- Stand up at least once an hour.

## Ideas for a 60-second break

- Stand, reach both arms overhead, and take two slow breaths.
- Do five chin tucks and five shoulder rolls.
- Squeeze your shoulder blades together a few times.
- Stretch your wrists in both directions.
- Walk to fill your water glass.

## Rest your eyes

Every so often, look at something at least several meters away for about 20 seconds. Blink fully a few times. Screens tend to make us blink less.

## Build it into your day

- Take phone calls standing up or walking.
- Put the printer or water bottle a short walk away.
- Use the stairs when you can.
- If you have back-to-back video calls, end them a few minutes early.

## It does not need to be perfect

Missing a break is not a failure. The goal is simply to move more often than you do now. Pick one or two ideas that fit your day and build from there."#,
        questions: &[
            CheckQuestion {
                prompt: "What is a micro-break?",
                options: &[
                    "A short pause of about half a minute to two minutes",
                    "A full hour away from your desk",
                    "Skipping lunch to finish early",
                ],
                correct: 0,
                explanation: "Micro-breaks are brief and frequent, which makes them easy to fit into a working day.",
            },
            CheckQuestion {
                prompt: "What can you do to rest your eyes during screen work?",
                options: &[
                    "Turn the screen brightness to maximum",
                    "Look at something far away for a short while and blink fully",
                    "Move the screen closer to your face",
                ],
                correct: 1,
                explanation: "Focusing in the distance and blinking gives the eye muscles a change from close-up work.",
            },
        ],
    },
    BuiltinLesson {
        slug: "breathing-to-calm-stress",
        title: "Breathing to calm stress",
        topic: Topic::Breathing,
        minutes: 4,
        body: r#"## Stress and muscle tension

When you are stressed, your breathing often becomes faster and shallower, moving mostly in the upper chest. The muscles of your neck and shoulders then help with every breath, and many people notice their jaw clenching or shoulders creeping up at the same time.

## Slow, low breathing

Slowing your breath and letting it move lower in your body is a simple tool many people find calming. Try this:

1. Sit or lie comfortably. Rest one hand on your chest and one on your belly.
2. Breathe in gently through your nose for a count of about four. Let your belly and lower ribs widen.
3. Breathe out slowly for a count of about six. Let your shoulders drop.
4. Continue for two to five minutes.

The out-breath being a little longer than the in-breath is the key part. Do not force big breaths; slow and easy is the goal.

## When to use it

- Before bed, to help you wind down.
- In traffic or a queue.
- Before a difficult conversation or meeting.
- During a flare, when pain makes you tense up.
- As part of your stretching routine, breathing out into each stretch.

## Check in with your body

While you breathe, scan for tension:

- Are your teeth touching? Let them part.
- Are your shoulders up? Let them lower.
- Are your hands clenched? Open them.

## A note of care

If breathing exercises make you dizzy, go back to normal breathing. If you have a lung or heart condition, or ongoing anxiety or panic, ask your doctor which approach suits you."#,
        questions: &[
            CheckQuestion {
                prompt: "In calm breathing, how should the out-breath compare with the in-breath?",
                options: &["Shorter", "A little longer", "Held for as long as possible"],
                correct: 1,
                explanation: "A slightly longer, unhurried out-breath is what many people find most settling.",
            },
            CheckQuestion {
                prompt: "What should you do if breathing practice makes you feel dizzy?",
                options: &[
                    "Breathe faster to push through",
                    "Hold your breath until it passes",
                    "Return to your normal breathing",
                ],
                correct: 2,
                explanation: "Dizziness is a sign to ease off. Go back to normal breathing and try gentler breaths later.",
            },
        ],
    },
    BuiltinLesson {
        slug: "soreness-after-massage-and-red-flags",
        title: "Soreness after a massage, and when to get help",
        topic: Topic::SelfCare,
        minutes: 5,
        body: r#"## What is common

After a medical massage, especially deeper work, it is common to feel:

- Mild aching or tenderness in the treated areas, a bit like after a workout.
- Some tiredness or a need to rest.
- Soreness that peaks within a day and fades over one to two days.

Gentle movement, drinking water, a warm shower, and easy walking often help you feel more comfortable. Go lighter on self-massage and strong stretches for a day or so.

## When to contact your therapist

Send your therapist a message or call the clinic if:

- Soreness is stronger than expected or lasts more than two or three days.
- You notice bruising that worries you.
- A particular area feels worse instead of better.
- You are unsure whether to keep doing your home exercises.

This helps them adjust the pressure or plan for your next session.

## When to see a physician urgently

Some symptoms are not normal after a massage and may signal something that needs medical care. Contact a physician right away, or call emergency services, if you have:

- New numbness, tingling or weakness in an arm or leg, or a foot that drags.
- Loss of bladder or bowel control, or numbness around the groin or inner thighs.
- Back pain together with fever, chills, or feeling generally unwell.
- Chest pain, pressure, or shortness of breath.
- A calf that is suddenly swollen, warm, red and painful.
- Severe pain that wakes you at night and does not ease with changing position.
- A sudden, severe headache unlike any you have had before.

Do not wait for your next appointment for any of these. Trust your instincts: if something feels seriously wrong, seek help."#,
        questions: &[
            CheckQuestion {
                prompt: "How long does typical soreness after a massage usually last?",
                options: &["One to two days", "Two to three weeks", "It never goes away"],
                correct: 0,
                explanation: "Mild soreness usually eases within a day or two. Tell your therapist if it lasts longer.",
            },
            CheckQuestion {
                prompt: "You develop new weakness in your leg and trouble controlling your bladder. What should you do?",
                options: &[
                    "Wait for your next massage appointment",
                    "Contact a physician or emergency services right away",
                    "Do extra stretches to loosen up",
                ],
                correct: 1,
                explanation: "These are red-flag symptoms that need urgent medical assessment, not self-care.",
            },
            CheckQuestion {
                prompt: "Which of these is a reason to message your therapist rather than an emergency?",
                options: &[
                    "Chest pain with shortness of breath",
                    "Soreness in the treated area lasting three days",
                    "Back pain with a fever",
                ],
                correct: 1,
                explanation: "Longer-than-expected soreness is worth reporting so your therapist can adjust. Chest pain or fever with back pain needs a physician.",
            },
        ],
    },
    BuiltinLesson {
        slug: "pacing-on-a-flare-day",
        title: "Pacing yourself on a flare day",
        topic: Topic::SelfCare,
        minutes: 4,
        body: r#"## What a flare is

A flare is a period when your usual pain or stiffness gets noticeably worse for a while. Flares are common and usually settle. How you pace your activity can make the days easier to manage.

## Avoid the boom-and-bust cycle

Many people do a lot on a good day, pay for it with a bad day, then rest completely until they feel better. Over time this swing can shrink what you are able to do. Pacing aims for a steadier middle path.

## On a flare day

- Keep moving, but less. Total bed rest tends to make stiffness worse for many people.
- Break tasks into small chunks with rests in between, for example ten minutes of tidying, then a short sit.
- Change position often rather than staying in one spot.
- Keep your home exercises, but do fewer reps, smaller ranges, and only the gentlest ones.
- Use comfort tools such as heat, a short walk, or slow breathing.

## Plan ahead

- Write down your must-do tasks and let the rest wait.
- Ask for help with heavy or awkward jobs.
- Notice your early warning signs, such as poor sleep or rising tension, so you can ease off sooner.

## Coming back up

As the flare settles, build back gradually. Add a little more each day rather than jumping straight back to your busiest routine.

## When to check in

Tell your therapist about flares so they can adjust your plan. If a flare comes with any red-flag symptoms, such as new numbness, weakness, fever or loss of bladder control, contact a physician straight away."#,
        questions: &[
            CheckQuestion {
                prompt: "What is the pacing approach on a flare day?",
                options: &[
                    "Stay in bed until it passes",
                    "Push through and do everything as normal",
                    "Keep moving, but in smaller chunks with rests",
                ],
                correct: 2,
                explanation: "Gentle, broken-up activity avoids both total rest and overdoing it.",
            },
            CheckQuestion {
                prompt: "What is the boom-and-bust cycle?",
                options: &[
                    "Doing too much on good days, then crashing on bad days",
                    "A type of stretching routine",
                    "Alternating heat and cold",
                ],
                correct: 0,
                explanation: "Big swings in activity can make symptoms less predictable. Pacing aims for steadier days.",
            },
        ],
    },
    BuiltinLesson {
        slug: "driving-posture",
        title: "Driving posture",
        topic: Topic::Ergonomics,
        minutes: 3,
        body: r#"## Set up before you start

Adjust your seat while parked, in roughly this order:

1. Seat height: high enough to see the road clearly, with your hips about level with or a little above your knees.
2. Distance: close enough that you can press the pedals fully while your knee stays slightly bent.
3. Backrest: fairly upright, so your shoulders rest against it when your hands are on the wheel.
4. Lumbar support: if your seat has it, set it to fill the curve of your lower back. A small rolled towel also works.
5. Head restraint: the middle of it level with the back of your head or the top of your ears, close to your head.
6. Steering wheel: reachable with your elbows gently bent, and not blocking your view of the dashboard.
7. Mirrors: set them last, once you are sitting well. If you later find you cannot see out of them, you have probably slumped.

## While driving

- Hold the wheel lightly and let your shoulders relax down.
- Empty your back pockets, especially of a wallet, so your pelvis sits level.
- Notice whether you grip the wheel or clench your jaw in traffic. Breathe out slowly and soften.

## On longer trips

- Stop for a short walk every hour or two if you can.
- Do a few shoulder rolls, neck turns and a gentle back bend at each stop.
- Shift your position slightly from time to time.

## Getting in and out

Sit down on the seat first, then swing both legs in together. Reverse it to get out. This saves your back from twisting while you balance on one leg."#,
        questions: &[
            CheckQuestion {
                prompt: "Which should you adjust last when setting up your car?",
                options: &["The seat height", "The mirrors", "The backrest"],
                correct: 1,
                explanation: "Setting the mirrors once you sit well gives you a built-in reminder: if you cannot see out of them, you have slumped.",
            },
            CheckQuestion {
                prompt: "What is an easier way to get into a car?",
                options: &[
                    "Step in with one leg and twist down into the seat",
                    "Sit on the seat first, then bring both legs in together",
                    "Lean in head first",
                ],
                correct: 1,
                explanation: "Sitting first and swinging both legs in avoids twisting while balancing on one leg.",
            },
        ],
    },
    BuiltinLesson {
        slug: "heat-and-cold-at-home",
        title: "Using heat and cold at home",
        topic: Topic::SelfCare,
        minutes: 4,
        body: r#"## Two simple tools

Heat and cold are cheap, easy options that many people find helpful for comfort. Neither one fixes a problem on its own, and what feels best varies from person to person.

## Heat

Many people prefer warmth for:

- Muscle stiffness and tension, such as a tight neck or back.
- Loosening up before gentle stretching.
- Aching after a long day.

How to use it:

- A warm pack, wheat bag, hot-water bottle or warm shower.
- 15 to 20 minutes at a time, with a layer of cloth between the heat and your skin.
- It should feel comfortably warm, never hot.

## Cold

Cold is often chosen for:

- A fresh minor knock or strain with swelling.
- An area that feels hot or irritated.
- Soreness after activity, if you find it soothing.

How to use it:

- An ice pack or a bag of frozen peas wrapped in a thin towel.
- 10 to 15 minutes at a time, then let your skin return to normal temperature.

## Safety for both

- Never put ice or a heat source directly on bare skin.
- Do not fall asleep on a heating pad or with an ice pack on.
- Check your skin often. Stop if it becomes very red, blotchy, blistered or numb.
- Avoid heat and cold on areas with reduced feeling, and ask your doctor first if you have diabetes, circulation problems or a skin condition.
- Do not apply heat over a swollen, hot area or an open wound.

## Not sure which to use?

Go with what feels more comfortable, and ask your therapist what they suggest for your situation."#,
        questions: &[
            CheckQuestion {
                prompt: "How long is a typical session of heat at home?",
                options: &["About 15 to 20 minutes", "All night while you sleep", "Two to three hours"],
                correct: 0,
                explanation: "Short sessions with a protective layer reduce the risk of burns.",
            },
            CheckQuestion {
                prompt: "What should always sit between an ice pack and your skin?",
                options: &["Nothing; direct contact works best", "A thin towel or cloth", "A layer of oil"],
                correct: 1,
                explanation: "A cloth layer protects your skin from cold injury.",
            },
        ],
    },
    BuiltinLesson {
        slug: "staying-active-between-sessions",
        title: "Staying active between sessions",
        topic: Topic::SelfCare,
        minutes: 3,
        body: r#"## Why movement matters

A massage session is one part of your care. What you do in the days between visits matters too. Regular, comfortable movement is one of the things many people find most helpful for feeling less stiff.

## Find activity you enjoy

You do not need a gym. Good options include:

- Walking, alone, with a friend or with a dog.
- Swimming or water walking.
- Cycling, indoors or out.
- Gentle yoga, tai chi or a beginner stretching class.
- Gardening, dancing or playing with children.

The best activity is the one you will keep doing.

## Start where you are

- Begin with an amount that feels easy, even five or ten minutes.
- Add a little each week, rather than a lot at once.
- Some mild muscle soreness when you start something new is normal and usually fades.
- If an activity clearly makes your symptoms worse for more than a day, scale it back and tell your therapist.

## Keep up your home plan

- Do the exercises your therapist set, at the dose suggested in the app.
- Link them to a habit you already have, such as after brushing your teeth or while the kettle boils.
- Log what you did and how it felt. This gives your therapist useful information at your next visit.

## Be patient

Progress often comes in small steps with some ups and downs. Missing a day is fine; simply pick up again the next day."#,
        questions: &[
            CheckQuestion {
                prompt: "What is a good way to start a new activity?",
                options: &[
                    "Begin with an easy amount and build a little each week",
                    "Go as hard as you can on day one",
                    "Wait until you have no pain at all",
                ],
                correct: 0,
                explanation: "Building gradually gives your body time to adapt.",
            },
            CheckQuestion {
                prompt: "Why log your home exercises in the app?",
                options: &[
                    "It is required to book a session",
                    "It gives your therapist useful information about how things are going",
                    "It makes the exercises work faster",
                ],
                correct: 1,
                explanation: "Your log helps your therapist see what suits you and adjust your plan.",
            },
        ],
    },
    BuiltinLesson {
        slug: "doing-home-exercises-safely",
        title: "Doing your home exercises safely",
        topic: Topic::SelfCare,
        minutes: 3,
        body: r#"## Gentle is the rule

Home stretches and self-massage work best for most people when they feel like a mild, comfortable effort. More force is not better.

## How a stretch should feel

- A gentle pull or tension in the muscle, around 3 to 5 out of 10.
- Easing off a little as you breathe and hold.
- Never sharp, stabbing, burning or electric.

Hold still instead of bouncing. Breathe slowly, and let your body settle into the position rather than forcing it further.

## Self-massage with a ball

- Use moderate pressure you can breathe through.
- Stay on fleshy muscle, away from bones, joints and the front of your neck.
- Keep each spot to about a minute.
- Go lighter for a day or two after a massage session, when tissue may already be tender.

## Stop and check in if

- Pain becomes sharp or keeps building.
- Tingling, numbness or pins and needles start or spread into an arm or leg.
- You feel dizzy or light-headed.
- The area is clearly worse the next day.

Stop that exercise, rest, and message your therapist. They can change the dose or swap in something else.

## Leave it alone and see a doctor if

- A calf is swollen, warm, red or tender to touch. Never stretch or massage it: it can be a sign of a blood clot. See a doctor the same day.

## Tell your therapist if

- You are pregnant. Ligaments loosen during pregnancy, and some positions, such as lying flat on your back later in pregnancy or deep twists, may need changing.
- You have osteoporosis or low bone density. Rounding your spine forward under load, twisting at the same time, and firm pressure over ribs or spine may not suit you.

## Make it fit your life

- Follow the sets, reps and holds in your plan as a starting point.
- Pick a regular time so it becomes a habit.
- Ask questions at your next session if any step is unclear. A short demonstration can clear up a lot."#,
        questions: &[
            CheckQuestion {
                prompt: "How strong should a home stretch usually feel?",
                options: &[
                    "Mild and comfortable, roughly 3 to 5 out of 10",
                    "As strong as you can stand",
                    "Sharp, so you know it is working",
                ],
                correct: 0,
                explanation: "A gentle stretch you can breathe through is the usual target. Sharp pain is a sign to stop.",
            },
            CheckQuestion {
                prompt: "Tingling spreads into your hand during a stretch. What should you do?",
                options: &[
                    "Hold the stretch longer",
                    "Bounce to loosen it",
                    "Stop the exercise and tell your therapist",
                ],
                correct: 2,
                explanation: "Spreading tingling or numbness is a reason to stop and get advice.",
            },
        ],
    },
];
