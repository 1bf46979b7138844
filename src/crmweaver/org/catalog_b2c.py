"""B2C preset data: an outdoor, home-fitness and wearables retailer selling to individual consumers.

Same table shapes as `catalog_b2b`; see there. Product rows are
(name, category, list price USD, what it does, aliases), and SPECS adds each product's weight and
one product-specific question with its answer.
"""

from __future__ import annotations

COMPANY = "NorthPeak Outfitters"
UNIT = "unit"
UNITS = "units"
ARTICLE_TARGET = 110

CATEGORIES: dict[str, dict] = {
    "Camping & Shelter": {
        "about": "sleeping, cooking and staying dry outdoors",
        "warranty": (2, 3, 5),
        "materials": ("ripstop nylon with a silicone coating", "aluminium alloy", "recycled polyester", "anodised aluminium and stainless steel", "700-fill responsibly sourced down"),
        "care": "Clean with lukewarm water and a mild soap, never in a washing machine, and dry it fully in the shade before storing it loosely.",
    },
    "Packs & Bags": {
        "about": "carrying gear on trails, commutes and travel",
        "warranty": (5, 10),
        "materials": ("420D recycled nylon", "TPU-laminated polyester", "210D ripstop nylon", "waxed canvas with nylon lining"),
        "care": "Hand-wash with mild soap in a tub after brushing off dirt, hang it upside down to dry, and never machine-wash or tumble-dry it.",
    },
    "Footwear & Apparel": {
        "about": "staying comfortable and protected on trails and in the cold",
        "warranty": (1, 2),
        "materials": ("full-grain leather and recycled mesh", "merino wool blend", "3-layer waterproof membrane fabric", "stretch nylon-elastane", "recycled polyester fleece"),
        "care": "Machine-wash cold on a gentle cycle or clean by hand, skip fabric softener, and air-dry away from direct heat; boots should only be brushed and wiped.",
    },
    "Home Fitness": {
        "about": "strength, cardio and recovery training at home",
        "warranty": (1, 2, 3),
        "materials": ("powder-coated steel", "cast iron with a vinyl finish", "natural rubber", "aluminium frame with steel flywheel", "TPE foam"),
        "care": "Wipe it down after every session with a damp cloth and a mild cleaner, keep it out of direct sunlight and check bolts and straps monthly.",
    },
    "Wearables & Navigation": {
        "about": "tracking workouts, navigating and staying powered and connected outdoors",
        "warranty": (1, 2),
        "materials": ("fibre-reinforced polymer with a Gorilla Glass lens", "aluminium housing with a silicone strap", "IP67-rated polycarbonate", "magnesium alloy body"),
        "care": "Rinse with fresh water after salt or sweat exposure, dry it before charging and keep the charging contacts clean with a soft cloth.",
    },
}

PRODUCTS: list[tuple[str, str, float, str, tuple[str, ...]]] = [
    # Camping & Shelter
    ("Ridgeline 2P Tent", "Camping & Shelter", 289, "A freestanding two-person backpacking tent with two doors and two vestibules.", ("the tent", "the two-person tent", "the Ridgeline")),
    ("Ridgeline 4P Family Tent", "Camping & Shelter", 449, "A roomy four-person tent with near-vertical walls and a large front porch.", ("the tent", "the family tent", "the big tent")),
    ("Skyloft Ultralight Tent", "Camping & Shelter", 519, "A trekking-pole-supported single-wall tent for long-distance hikers.", ("the ultralight tent", "the tent", "the Skyloft")),
    ("Emberglow Down Sleeping Bag", "Camping & Shelter", 329, "A mummy sleeping bag with 700-fill down for three-season nights.", ("the sleeping bag", "the down bag")),
    ("Emberglow Synthetic Sleeping Bag", "Camping & Shelter", 179, "A synthetic-fill sleeping bag that stays warm when damp.", ("the sleeping bag", "the synthetic bag")),
    ("CloudRest Inflatable Pad", "Camping & Shelter", 129, "An insulated air sleeping pad that packs to the size of a water bottle.", ("the sleeping pad", "the air mat", "the pad")),
    ("CampStove Duo Burner", "Camping & Shelter", 149, "A two-burner propane stove for car camping with wind shields.", ("the stove", "the camp stove")),
    ("TrailChef Compact Stove", "Camping & Shelter", 69, "A palm-sized canister stove that boils a litre of water in about three and a half minutes.", ("the stove", "the little stove", "the backpacking stove")),
    ("Lumen 400 Lantern", "Camping & Shelter", 59, "A rechargeable 400-lumen camp lantern with a warm-light mode.", ("the lantern", "the camp light")),
    ("HydraPure Water Filter", "Camping & Shelter", 89, "A squeeze and gravity water filter with a 0.1-micron hollow-fibre cartridge.", ("the water filter", "the filter")),
    ("Canopy Shade Shelter", "Camping & Shelter", 199, "A pop-up sun shelter for beaches, campsites and sidelines.", ("the shade shelter", "the canopy")),
    # Packs & Bags
    ("Summit 45 Backpack", "Packs & Bags", 229, "A 45-litre backpacking pack with an adjustable torso and ventilated back panel.", ("the backpack", "the 45 liter pack", "the Summit")),
    ("Summit 65 Expedition Pack", "Packs & Bags", 329, "A 65-litre load-hauler for multi-week trips with a removable lid.", ("the backpack", "the big pack", "the Summit")),
    ("DayTrek 22 Daypack", "Packs & Bags", 99, "A 22-litre daypack with a hydration sleeve and hip-belt pockets.", ("the daypack", "the small pack")),
    ("Cascade Hydration Pack", "Packs & Bags", 119, "A running and biking vest pack with a 2-litre reservoir.", ("the hydration pack", "the water pack")),
    ("UrbanTrail Commuter Bag", "Packs & Bags", 139, "A weatherproof commuter backpack with a padded 16-inch laptop sleeve.", ("the commuter bag", "the laptop bag", "the backpack")),
    ("DryVault Duffel 60", "Packs & Bags", 149, "A 60-litre waterproof duffel with backpack straps.", ("the duffel", "the dry bag")),
    ("DryVault Roll-Top Sack", "Packs & Bags", 39, "A 20-litre roll-top dry sack for paddling and wet trips.", ("the dry bag", "the roll-top")),
    ("Kinder Carry Child Carrier", "Packs & Bags", 289, "A framed child carrier for hiking with a sunshade and kickstand.", ("the child carrier", "the baby backpack")),
    ("GearSling Hip Pack", "Packs & Bags", 49, "A 3-litre hip pack that can be worn around the waist or across the chest.", ("the hip pack", "the fanny pack")),
    ("PackCover Rain Shield", "Packs & Bags", 29, "A fitted rain cover for Summit packs with a reflective logo.", ("the rain cover", "the pack cover")),
    # Footwear & Apparel
    ("Trailblazer Hiking Boot", "Footwear & Apparel", 189, "A supportive leather hiking boot with a grippy rubber outsole.", ("the hiking boots", "the boots")),
    ("Trailblazer Mid Waterproof Boot", "Footwear & Apparel", 209, "A mid-height waterproof boot with a breathable membrane.", ("the hiking boots", "the waterproof boots", "the boots")),
    ("Swift Trail Runner", "Footwear & Apparel", 139, "A lightweight trail-running shoe with a rock plate and 6 mm drop.", ("the trail runners", "the running shoes")),
    ("Basecamp Insulated Jacket", "Footwear & Apparel", 249, "A warm insulated jacket with a hood that packs into its own pocket.", ("the jacket", "the puffy")),
    ("Stormline Rain Shell", "Footwear & Apparel", 199, "A three-layer waterproof breathable rain jacket with pit zips.", ("the rain jacket", "the jacket", "the shell")),
    ("Thermafit Base Layer Set", "Footwear & Apparel", 89, "A merino-blend base-layer top and bottom for cold days.", ("the base layers", "the thermals")),
    ("Alpine Softshell Pants", "Footwear & Apparel", 119, "Stretchy, water-resistant hiking pants with zip pockets.", ("the pants", "the hiking pants")),
    ("WoolTrek Hiking Socks 3-Pack", "Footwear & Apparel", 35, "Three pairs of cushioned merino hiking socks.", ("the socks", "the wool socks")),
    ("SnowGrip Traction Cleats", "Footwear & Apparel", 45, "Slip-on stainless steel traction cleats for icy trails.", ("the cleats", "the spikes")),
    ("SunGuard Trail Hat", "Footwear & Apparel", 32, "A wide-brim UPF 50+ sun hat with a chin strap.", ("the hat", "the sun hat")),
    # Home Fitness
    ("CoreFlex Adjustable Dumbbells", "Home Fitness", 349, "A pair of dial-adjustable dumbbells that replace fifteen sets of weights.", ("the dumbbells", "the weights", "the CoreFlex")),
    ("CoreFlex Kettlebell Set", "Home Fitness", 199, "Three cast-iron kettlebells of 8, 12 and 16 kg with a storage rack.", ("the kettlebells", "the weights", "the CoreFlex")),
    ("StrideMax Folding Treadmill", "Home Fitness", 1199, "A folding treadmill with incline, speeds up to 20 km/h and a cushioned deck.", ("the treadmill",)),
    ("SpinPeak Indoor Bike", "Home Fitness", 899, "A quiet belt-drive indoor cycling bike with magnetic resistance.", ("the bike", "the spin bike", "the exercise machine")),
    ("RowForce Magnetic Rower", "Home Fitness", 749, "A foldable magnetic rowing machine with 16 resistance levels.", ("the rower", "the rowing machine", "the exercise machine")),
    ("FlexBand Resistance Kit", "Home Fitness", 39, "Five latex resistance bands with handles, door anchor and ankle straps.", ("the bands", "the resistance bands")),
    ("BalancePro Yoga Mat", "Home Fitness", 69, "A 6 mm non-slip yoga mat with alignment lines.", ("the mat", "the yoga mat")),
    ("PowerRack Home Gym", "Home Fitness", 1499, "A steel power rack with pull-up bar, safety arms and plate storage.", ("the rack", "the home gym")),
    ("RecoverRoll Massage Gun", "Home Fitness", 179, "A percussive massage gun with five heads and three speeds.", ("the massage gun", "the recovery tool")),
    ("StepLite Aerobic Stepper", "Home Fitness", 59, "A height-adjustable aerobic step platform.", ("the stepper", "the step")),
    # Wearables & Navigation
    ("PulseTrack Fitness Watch", "Wearables & Navigation", 249, "A fitness watch with heart-rate, sleep and workout tracking.", ("the watch", "the fitness watch", "the PulseTrack")),
    ("PulseTrack Pro GPS Watch", "Wearables & Navigation", 429, "A multisport GPS watch with maps, barometric altimeter and training load.", ("the watch", "the GPS watch", "the PulseTrack")),
    ("TrailNav Handheld GPS", "Wearables & Navigation", 349, "A rugged handheld GPS with topographic maps and a sunlight-readable screen.", ("the GPS", "the handheld", "the GPS unit")),
    ("HeartSync Chest Strap", "Wearables & Navigation", 79, "A chest-strap heart-rate monitor for accurate interval training.", ("the heart rate strap", "the chest strap")),
    ("SoloBeacon Satellite Messenger", "Wearables & Navigation", 299, "A pocket satellite messenger with two-way texting and SOS.", ("the beacon", "the satellite messenger", "the GPS unit")),
    ("SolarCharge 21W Panel", "Wearables & Navigation", 119, "A foldable 21-watt solar panel for charging batteries at camp.", ("the solar panel", "the charger")),
    ("PowerCell 20K Battery Bank", "Wearables & Navigation", 69, "A 20,000 mAh battery bank with USB-C power delivery.", ("the battery pack", "the power bank", "the charger")),
    ("ClearView Trail Camera", "Wearables & Navigation", 159, "A motion-triggered trail camera with night vision.", ("the trail camera", "the camera")),
    ("SummitView Binoculars 10x42", "Wearables & Navigation", 229, "Waterproof 10x42 roof-prism binoculars for birding and hiking.", ("the binoculars",)),
    ("AuraBeam Rechargeable Headlamp", "Wearables & Navigation", 59, "A 450-lumen rechargeable headlamp with red light mode.", ("the headlamp", "the light")),
]

# name -> (weight in kg, product-specific question, its short answer, a sentence of context)
SPECS: dict[str, tuple[float, str, str, str]] = {
    "Ridgeline 2P Tent": (1.9, "How much floor space does {p} have?", "2.9 square meters", "The floor measures 218 by 132 cm with a peak height of 102 cm."),
    "Ridgeline 4P Family Tent": (5.6, "What is the peak height of {p}?", "183 cm", "Most adults can stand upright in the centre, and the floor measures 240 by 240 cm."),
    "Skyloft Ultralight Tent": (0.82, "What length of trekking poles does {p} need?", "poles adjustable to at least 125 cm", "Two poles set to 125 cm pitch the tent; a pair of carbon poles is sold separately."),
    "Emberglow Down Sleeping Bag": (0.95, "What temperature is {p} rated for?", "a comfort rating of -1 °C and a limit rating of -7 °C", "Ratings follow the ISO 23537 standard."),
    "Emberglow Synthetic Sleeping Bag": (1.4, "What temperature is {p} rated for?", "a comfort rating of 4 °C and a limit rating of -2 °C", "Ratings follow the ISO 23537 standard."),
    "CloudRest Inflatable Pad": (0.48, "What is the R-value of {p}?", "R-value 4.2", "The value is measured under ASTM F3340, enough for three-season use."),
    "CampStove Duo Burner": (4.8, "What is the heat output of {p}?", "10,000 BTU per burner", "Each burner runs for about one hour on a 465 g propane cylinder at full power."),
    "TrailChef Compact Stove": (0.09, "Which fuel canisters fit {p}?", "self-sealing EN 417 threaded isobutane-propane canisters", "Canisters are not shipped with the stove and must be bought locally."),
    "Lumen 400 Lantern": (0.32, "How long does {p} run on one charge?", "6 hours on high and 60 hours on low", "A full recharge takes about 4 hours over USB-C."),
    "HydraPure Water Filter": (0.08, "How many litres can {p} filter before the cartridge needs replacing?", "about 1,500 litres", "Back-flush the cartridge every 20 litres to keep the flow rate up."),
    "Canopy Shade Shelter": (3.2, "How much UV protection does {p} offer?", "UPF 50+", "The shelter shades an area of 2.4 by 2.4 metres."),
    "Summit 45 Backpack": (1.6, "Which torso lengths does {p} fit?", "torso lengths from 40 to 53 cm", "The harness adjusts in 1 cm steps with a sliding yoke."),
    "Summit 65 Expedition Pack": (2.2, "What is the maximum recommended load of {p}?", "25 kg", "The aluminium frame sheet carries loads up to 25 kg comfortably."),
    "DayTrek 22 Daypack": (0.68, "What size hydration reservoir fits {p}?", "reservoirs up to 3 litres", "The sleeve has a hanging clip and a hose port on each side."),
    "Cascade Hydration Pack": (0.42, "What capacity does the reservoir of {p} have?", "2 litres", "The vest also carries 5 litres of gear in its front and back pockets."),
    "UrbanTrail Commuter Bag": (1.1, "What laptop size fits in {p}?", "laptops up to 16 inches", "The laptop sleeve is suspended 2 cm above the base for drop protection."),
    "DryVault Duffel 60": (1.5, "How waterproof is {p}?", "IPX6 when the zip is closed", "It resists heavy spray and rain but is not designed for submersion."),
    "DryVault Roll-Top Sack": (0.2, "How waterproof is {p}?", "IPX7 when rolled three times", "It survives brief submersion up to one metre."),
    "Kinder Carry Child Carrier": (3.3, "What child weight does {p} support?", "children from 7 to 22 kg", "The maximum total load, child and gear together, is 22 kg."),
    "GearSling Hip Pack": (0.18, "What fits in {p}?", "a phone up to 6.7 inches, keys and a light jacket", "The main compartment holds 3 litres."),
    "PackCover Rain Shield": (0.12, "Which packs does {p} fit?", "packs from 40 to 70 litres", "It is shaped for Summit packs but fits most packs in that range."),
    "Trailblazer Hiking Boot": (1.2, "What sizes is {p} available in?", "US men's 7 to 14 and women's 5 to 12, in regular and wide", "Half sizes are available up to size 12."),
    "Trailblazer Mid Waterproof Boot": (1.1, "How long is the break-in period for {p}?", "about 20 to 30 kilometres of walking", "Wear them on short walks first to soften the collar."),
    "Swift Trail Runner": (0.56, "What is the heel-to-toe drop of {p}?", "6 mm", "Stack height is 28 mm at the heel and 22 mm at the forefoot."),
    "Basecamp Insulated Jacket": (0.45, "What insulation does {p} use?", "100 g/m² recycled synthetic insulation", "It keeps its warmth when wet and packs into its chest pocket."),
    "Stormline Rain Shell": (0.38, "What is the waterproof rating of {p}?", "20,000 mm hydrostatic head", "Breathability is rated at 20,000 g/m²/24h."),
    "Thermafit Base Layer Set": (0.35, "What fabric blend is {p} made from?", "65% merino wool and 35% nylon", "The nylon core makes it more durable than pure merino."),
    "Alpine Softshell Pants": (0.41, "Which inseam lengths does {p} come in?", "30, 32 and 34 inches", "The hem has a drawcord to close around boots."),
    "WoolTrek Hiking Socks 3-Pack": (0.2, "What sizes are in {p}?", "S, M, L and XL", "Size M fits US men's 6 to 9 and women's 7 to 10."),
    "SnowGrip Traction Cleats": (0.34, "What shoe sizes does {p} fit?", "four sizes from S (US women's 5) to XL (US men's 14)", "Each cleat has 12 stainless steel spikes of 9.5 mm."),
    "SunGuard Trail Hat": (0.09, "How wide is the brim of {p}?", "8 cm", "It is rated UPF 50+ and floats in water."),
    "CoreFlex Adjustable Dumbbells": (48.0, "What weight range do {p} cover?", "2.5 to 24 kg per dumbbell in 2.5 kg steps", "Turning the dial selects the weight in about two seconds."),
    "CoreFlex Kettlebell Set": (36.0, "Which weights come in {p}?", "8, 12 and 16 kg", "The handles fit two hands for swings."),
    "StrideMax Folding Treadmill": (78.0, "What is the maximum user weight for {p}?", "136 kg", "The deck measures 140 by 51 cm and inclines up to 12%."),
    "SpinPeak Indoor Bike": (42.0, "What is the maximum user weight for {p}?", "125 kg", "It fits riders from 155 to 200 cm tall."),
    "RowForce Magnetic Rower": (34.0, "How many resistance levels does {p} have?", "16 levels", "It folds upright to a footprint of 90 by 60 cm."),
    "FlexBand Resistance Kit": (1.1, "What resistance do the bands in {p} provide?", "5, 10, 15, 20 and 25 kg, up to 75 kg stacked", "Bands can be stacked on one handle for more resistance."),
    "BalancePro Yoga Mat": (2.3, "How big is {p}?", "183 by 66 cm and 6 mm thick", "Alignment lines are printed every 15 cm."),
    "PowerRack Home Gym": (98.0, "How much weight can {p} hold?", "450 kg on the J-hooks and safety arms", "It needs a ceiling height of at least 2.2 metres."),
    "RecoverRoll Massage Gun": (0.9, "How long does the battery of {p} last?", "up to 3 hours per charge", "It delivers up to 3,200 percussions per minute."),
    "StepLite Aerobic Stepper": (4.5, "Which heights can {p} be set to?", "10, 15 and 20 cm", "The platform supports users up to 150 kg."),
    "PulseTrack Fitness Watch": (0.04, "How long does the battery of {p} last?", "up to 10 days in smartwatch mode", "Continuous workout tracking uses about 15% of the battery per hour."),
    "PulseTrack Pro GPS Watch": (0.06, "How long does the battery of {p} last in GPS mode?", "up to 36 hours", "In smartwatch mode it lasts up to 18 days."),
    "TrailNav Handheld GPS": (0.23, "How long does {p} run on batteries?", "up to 16 hours on two AA batteries", "It also runs on the optional NiMH rechargeable pack."),
    "HeartSync Chest Strap": (0.05, "Which connections does {p} support?", "Bluetooth Low Energy and ANT+", "It can connect to two devices at once over Bluetooth."),
    "SoloBeacon Satellite Messenger": (0.11, "Does {p} need a subscription?", "yes, a satellite plan from $14.99 a month", "Plans can be paused month by month in the NorthPeak app."),
    "SolarCharge 21W Panel": (0.6, "How long does {p} take to charge a 20,000 mAh battery?", "about 8 hours of full sun", "Output is 5 V up to 2.4 A per USB port."),
    "PowerCell 20K Battery Bank": (0.36, "What is the maximum output of {p}?", "45 W over USB-C power delivery", "It can charge a phone about four times."),
    "ClearView Trail Camera": (0.4, "What resolution does {p} record?", "24 MP photos and 1080p video", "Night vision reaches 20 metres with no-glow infrared."),
    "SummitView Binoculars 10x42": (0.68, "What is the field of view of {p}?", "114 metres at 1,000 metres", "Close focus is 2 metres and eye relief 16 mm."),
    "AuraBeam Rechargeable Headlamp": (0.09, "How bright is {p} and how long does it last?", "450 lumens, 4 hours on high", "On low it runs for up to 80 hours."),
}

ISSUES: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("Defective on Arrival", "The product arrived broken or does not work out of the box.",
     ("broken", "defective", "doesn't work", "dead on arrival", "damaged", "cracked"),
     ("It arrived today and won't turn on at all.", "The box looked fine but the frame inside was cracked.",
      "One of the parts was bent when I opened the package.", "It worked for five minutes and then died completely.",
      "The zipper pull was snapped off when it came out of the box.")),
    ("Missing Parts", "Parts, accessories or hardware listed in the box contents are missing.",
     ("missing", "parts", "hardware", "screws", "accessory", "incomplete"),
     ("The bag of bolts listed in the manual was not in the box.", "The charging cable is missing from the package.",
      "I only received two of the three pieces in the set.", "The stuff sack and stakes were missing.",
      "The instructions mention an adapter that I did not get.")),
    ("Shipping Delay", "An order has not arrived by the promised delivery date.",
     ("shipping", "delivery", "late", "tracking", "not arrived", "delayed"),
     ("My order was supposed to arrive last week and it still hasn't shown up.", "Tracking hasn't updated in six days.",
      "I need this for a trip on Saturday and it is still 'in transit'.", "The courier says delivered but nothing is here.",
      "It has been sitting at the warehouse for ten days.")),
    ("Wrong Item Received", "The customer received a different product, size or colour than ordered.",
     ("wrong item", "wrong size", "wrong color", "different product", "not what I ordered", "mix-up"),
     ("I ordered the large and received a small.", "The box contained a completely different product.",
      "I got the blue one but ordered black.", "The label is right but the item inside is not what I ordered.",
      "I received someone else's order.")),
    ("Sizing and Fit Problem", "Footwear, apparel or carrying gear does not fit as expected.",
     ("size", "fit", "too small", "too big", "tight", "sizing chart"),
     ("The boots are much tighter than my usual size.", "The jacket sleeves are too short even in my normal size.",
      "The pack's hip belt won't tighten enough for me.", "I followed the sizing chart and it is still too big.",
      "The socks slide down inside my shoes.")),
    ("Battery and Charging Failure", "A device does not charge, loses charge quickly or its battery swells.",
     ("battery", "charging", "won't charge", "drains", "charger", "power"),
     ("The battery drains from full to empty in a couple of hours.", "It stopped charging with the original cable.",
      "The charging light blinks red and nothing happens.", "The device gets hot while charging.",
      "It says 100% but switches off as soon as I unplug it.")),
    ("App Pairing and Connectivity", "A device cannot pair or stay connected to the phone app over Bluetooth.",
     ("pairing", "Bluetooth", "app", "connect", "sync", "disconnects"),
     ("The app never finds the watch when I try to pair it.", "It disconnects from my phone every few minutes.",
      "My workouts stopped syncing to the app.", "Pairing fails with an error code after the last update.",
      "The sensor shows as connected but no data comes through.")),
    ("Waterproofing Failure", "A product sold as waterproof lets water in.",
     ("leak", "waterproof", "wet", "water got in", "seam", "soaked"),
     ("Water came through the floor of the tent on the first rainy night.", "My feet got soaked in the waterproof boots.",
      "The rain jacket wets out after twenty minutes of rain.", "Everything inside the dry bag was wet after a short paddle.",
      "Water got inside the device even though it is rated waterproof.")),
    ("Zipper and Seam Failure", "Zippers, buckles, straps or seams fail during normal use.",
     ("zipper", "seam", "strap", "buckle", "tear", "stitching"),
     ("The main zipper split open on the second day of my trip.", "A shoulder strap tore away at the seam.",
      "The buckle snapped when I tightened the hip belt.", "The stitching along the hood is coming apart.",
      "The zipper teeth keep separating behind the slider.")),
    ("Assembly Difficulty", "The customer cannot assemble or set up the product.",
     ("assembly", "assemble", "instructions", "setup", "install", "holes don't line up"),
     ("The holes in the frame don't line up with the bolts.", "The assembly instructions skip a step and I'm stuck.",
      "I can't figure out how to attach the console.", "Two people have tried for an hour and can't get it together.",
      "The setup video shows a different model than the one I received.")),
    ("Noise and Vibration", "Fitness equipment or devices make unusual noise or vibrate.",
     ("noise", "squeak", "vibration", "grinding", "clicking", "rattle"),
     ("The treadmill makes a loud grinding noise at higher speeds.", "There is a clicking sound on every pedal stroke.",
      "The rower squeaks badly on each pull.", "The whole machine shakes and rattles when I use it.",
      "The massage gun makes a high-pitched whine.")),
    ("Return and Refund Request", "The customer wants to return a product or get their money back.",
     ("return", "refund", "money back", "send it back", "exchange", "return label"),
     ("I'd like to return this and get my money back.", "How do I get a return label?",
      "I changed my mind and want a refund.", "I want to exchange it for a different model.",
      "It's not what I expected, can I send it back?")),
    ("Billing and Payment Problem", "Charges, payments, promotions or gift cards do not work as expected.",
     ("charged", "payment", "billing", "promo code", "gift card", "double charge"),
     ("I was charged twice for the same order.", "The promo code wasn't applied at checkout.",
      "My gift card balance disappeared.", "I was billed for a subscription I cancelled.",
      "The price dropped a day after I bought it and I want the difference.")),
    ("GPS and Sensor Accuracy", "Distance, location, altitude or heart-rate readings are wrong.",
     ("GPS", "accuracy", "heart rate", "distance", "altitude", "wrong readings"),
     ("The GPS track shows me running through buildings.", "Heart rate readings jump to 190 while I'm walking.",
      "The distance is always 10% short compared to the track.", "Altitude is off by a couple of hundred metres.",
      "My location takes ten minutes to lock on.")),
    ("Account and Login Problem", "The customer cannot access their online account, orders or the app.",
     ("account", "login", "password", "sign in", "locked", "email"),
     ("I can't log in to my account to see my orders.", "The password reset email never arrives.",
      "The app keeps signing me out.", "My account says it's locked after one try.",
      "I changed my email and now can't access my order history.")),
]

# The product categories each category-bound issue can affect (the others affect every category):
# a battery fails in a watch or a headlamp, never in a tent or a sock.
ISSUE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Sizing and Fit Problem": ("Footwear & Apparel", "Packs & Bags"),
    "Battery and Charging Failure": ("Wearables & Navigation",),
    "App Pairing and Connectivity": ("Wearables & Navigation",),
    "Waterproofing Failure": ("Camping & Shelter", "Packs & Bags", "Footwear & Apparel", "Wearables & Navigation"),
    "Zipper and Seam Failure": ("Camping & Shelter", "Packs & Bags", "Footwear & Apparel"),
    "Assembly Difficulty": ("Home Fitness",),
    "Noise and Vibration": ("Home Fitness",),
    "GPS and Sensor Accuracy": ("Wearables & Navigation",),
}

# Symptoms per product category where the issue's general symptoms would misfit (a child carrier
# whose "sleeves are too short"). They name no item, because a category mixes boots and jackets;
# categories not listed use the general symptoms.
ISSUE_SYMPTOMS_BY_CATEGORY: dict[str, dict[str, tuple[str, ...]]] = {
    "Defective on Arrival": {
        "Camping & Shelter": ("It arrived with a crack in one of the parts.", "Part of it was bent when I opened the package.",
                              "It doesn't work properly straight out of the box.", "There was visible damage when I unpacked it."),
        "Packs & Bags": ("A buckle was already broken when it arrived.", "The fabric had a hole in it when I unpacked it.",
                         "The zipper pull was snapped off when it came out of the box.", "A strap was torn at the seam on arrival."),
        "Footwear & Apparel": ("There is a tear in the fabric from the packaging.", "A seam was already coming apart straight out of the box.",
                               "It arrived with a visible defect in the stitching.", "The material was scuffed and damaged when it arrived."),
        "Home Fitness": ("One of the parts was bent when I opened the package.", "It arrived cracked in one corner.",
                         "Something rattles loose inside straight out of the box.", "It was damaged when I unpacked it."),
        "Wearables & Navigation": ("It arrived with a cracked housing.", "It doesn't work properly straight out of the box.",
                                   "One of the buttons was stuck when it arrived.", "The glass arrived scratched."),
    },
    "Missing Parts": {
        "Camping & Shelter": ("Some of the pieces listed on the box were not in the package.", "The stuff sack listed on the label was missing.",
                              "The instructions mention a repair kit that I did not get.", "A piece shown on the box is missing."),
        "Packs & Bags": ("The rain cover listed on the tag wasn't included.", "A detachable strap listed on the tag was missing.",
                         "The removable pocket shown on the website was not in the box.", "A piece shown on the label is missing."),
        "Footwear & Apparel": ("Part of the set listed on the label was missing.", "The storage pouch listed on the tag wasn't included.",
                               "I only received one item of the set I ordered.", "The box was missing the pieces shown on the label."),
        "Home Fitness": ("Some of the hardware listed in the manual was not in the box.", "I only received two of the three pieces in the set.",
                         "The instructions mention an adapter that I did not get.", "A piece shown on the box is missing."),
        "Wearables & Navigation": ("An accessory listed on the box was missing.", "The strap listed on the box was not included.",
                                   "The box had no quick-start guide.", "The carrying case listed on the box was missing."),
    },
    "Sizing and Fit Problem": {
        "Footwear & Apparel": ("It is much tighter than my usual size.", "I followed the sizing chart and it is still too big.",
                               "It runs a full size small compared with other brands.", "The fit is far too loose even in my normal size."),
        "Packs & Bags": ("The hip belt won't tighten enough for me.", "The torso length doesn't adjust short enough for my back.",
                         "The shoulder straps dig into my neck even when adjusted.", "It sits far too low on my back whatever I adjust."),
    },
    "Waterproofing Failure": {
        "Camping & Shelter": ("Water got in at the seams on the first rainy night.", "It leaked in steady rain even though it's sold as waterproof.",
                              "Everything inside got damp after a night of drizzle."),
        "Packs & Bags": ("Everything inside was wet after a short time in the rain.", "Water pooled at the bottom in a light shower.",
                         "It's sold as weatherproof but the contents got soaked."),
        "Footwear & Apparel": ("It soaked through after twenty minutes of rain.", "Water got through at the seams on the first wet day.",
                               "It's sold as waterproof but I got wet in light rain."),
        "Wearables & Navigation": ("Water got inside the device even though it is rated waterproof.", "It fogged up inside after one rainy hike.",
                                   "It stopped working after a light shower."),
    },
    "Zipper and Seam Failure": {
        "Camping & Shelter": ("The zipper keeps splitting open behind the slider.", "A seam tore at a stress point after two nights.",
                              "The zipper snags on every use."),
        "Packs & Bags": ("The main zipper split open on the second day of my trip.", "A shoulder strap tore away at the seam.",
                         "The buckle snapped when I tightened the hip belt."),
        "Footwear & Apparel": ("The stitching is coming apart after a week.", "A seam split after only a few wears.",
                               "The fabric tore at a seam on the first trip."),
    },
}

COMPETITORS: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    ("Ridgecrest Supply Co.", ("wide store network", "strong private-label camping gear", "generous member rewards"),
     ("heavier tents and packs", "limited fitness range", "slow online customer service"), "a national outdoor retailer with its own brands"),
    ("Alpenglow Gear", ("premium ultralight designs", "strong reputation among thru-hikers", "high-quality down products"),
     ("high prices", "small size range", "long restock times"), "a premium ultralight specialist"),
    ("IronPulse Fitness", ("connected-fitness classes", "sleek equipment design", "large online community"),
     ("expensive monthly subscriptions", "equipment locked to their app", "long delivery times for large items"), "a connected home-fitness brand"),
    ("Vantage Wearables", ("accurate GPS", "long battery life", "deep training analytics"),
     ("complicated menus", "high prices for top models", "limited outdoor accessories"), "a sports-watch and navigation maker"),
    ("TrailMart", ("low prices", "fast shipping", "huge selection"),
     ("inconsistent product quality", "weak product expertise", "strict return process"), "a discount online marketplace for outdoor goods"),
    ("Cascadia Outdoor", ("excellent rainwear", "lifetime repair program", "sustainability credentials"),
     ("narrow product line", "higher prices on apparel", "few stores outside the West"), "a Pacific Northwest apparel and rainwear brand"),
    ("FitNest Home", ("compact equipment for small spaces", "affordable bundles", "easy assembly"),
     ("lower weight capacities", "short warranties", "basic electronics"), "a budget home-fitness brand"),
]

PRICEBOOKS = (
    ("Standard Price Book", "Everyday retail prices for all {company} products."),
    ("Seasonal Sale Price Book", "Seasonal promotional prices for {company} products, valid during published sale periods."),
)

STAGE_ACTIVITIES: dict[str, tuple[str, ...]] = {
    "Qualification": ("Call customer to understand their goals", "Confirm the customer's budget range", "Check customer's purchase history",
                      "Ask about planned trip or training dates", "Send welcome email with catalog link", "Record BANT notes on the lead"),
    "Discovery": ("Book an in-store or video fitting session", "Recommend products for the customer's needs", "Send product comparison sheet",
                  "Answer sizing and specification questions", "Arrange a product demonstration", "Review customer's existing gear"),
    "Quote": ("Prepare quote with selected products", "Apply eligible promotion to quote", "Send quote to customer",
              "Check stock availability for quoted items", "Confirm delivery options for quote", "Explain warranty coverage on quote"),
    "Negotiation": ("Discuss bundle pricing with customer", "Request discount approval from manager", "Offer financing options",
                    "Match competitor price request review", "Confirm final product selection", "Follow up on open price questions"),
    "Closed": ("Send order confirmation", "Schedule delivery and assembly", "Send care and setup guide",
               "Request product review from customer", "Enroll customer in loyalty program", "Schedule 30-day satisfaction check-in"),
}

BANT = {
    "budget_min": 500.0,
    "authority_titles": ("account holder", "primary purchaser", "household decision maker"),
    "need": "a planned trip, training goal or home-gym project that our products serve",
    "timeline_max_months": 3,
}

GENERAL_FAQS: list[tuple[str, str, tuple[str, ...]]] = [
    ("How long does standard shipping take?", "3 to 5 business days within the contiguous US",
     ("Standard shipping takes 3 to 5 business days within the contiguous US; orders placed before 2 pm Eastern ship the same day.",
      "Express shipping takes 1 to 2 business days. Large fitness equipment ships by freight and takes 7 to 10 business days, with a delivery appointment.",
      "Orders to Alaska and Hawaii take 5 to 9 business days.")),
    ("What are the benefits of the {company} membership?", "a 10% member reward on full-price purchases and free standard shipping",
     ("Members earn a 10% reward on full-price purchases, paid out as a voucher every March.",
      "Members get free standard shipping on every order and early access to seasonal sales.",
      "Membership costs $20 once and never expires.")),
    ("Do {company} gift cards expire?", "no, gift cards never expire",
     ("{company} gift cards never expire and carry no fees.",
      "They can be used online and in stores, and the balance can be checked on the gift card page of the website.",
      "Lost gift cards can be replaced with the original receipt.")),
    ("Does {company} ship internationally?", "yes, to Canada and Mexico only",
     ("We ship to Canada and Mexico only. Duties and taxes are calculated at checkout.",
      "Fuel canisters, batteries over 100 Wh and large fitness equipment cannot be shipped outside the US.",
      "International orders take 7 to 14 business days.")),
]

EXCLUSIVE_PAIRS: list[tuple[str, str, str]] = [
    ("PulseTrack Fitness Watch", "PulseTrack Pro GPS Watch", "the Pro trade-up offer replaces the standard watch, and ordering both double-counts the trade-up credit."),
    ("StrideMax Folding Treadmill", "SpinPeak Indoor Bike", "the included in-home installation covers one large cardio machine per delivery."),
    ("CampStove Duo Burner", "TrailChef Compact Stove", "carrier rules for fuel-equipment shipments allow only one stove type per order."),
    ("PowerRack Home Gym", "RowForce Magnetic Rower", "freight delivery slots fit one oversized fitness item per order."),
]
COMPANION_PAIRS: list[tuple[str, str, str]] = [
    ("HeartSync Chest Strap", "PulseTrack Pro GPS Watch", "the strap's training-load features are sold only as part of the Pro watch kit."),
    ("SolarCharge 21W Panel", "PowerCell 20K Battery Bank", "the panel is sold as a charging kit together with the battery bank that buffers its output."),
    ("PackCover Rain Shield", "Summit 45 Backpack", "the cover is sold as an accessory of a Summit pack purchase."),
    ("SnowGrip Traction Cleats", "Trailblazer Mid Waterproof Boot", "the cleats are offered as part of the winter boot bundle."),
]

# Small items that make sense with a minimum order quantity (multi-packs for groups and families).
MIN_QUANTITY_CANDIDATES = (
    "WoolTrek Hiking Socks 3-Pack", "SunGuard Trail Hat", "AuraBeam Rechargeable Headlamp", "DryVault Roll-Top Sack",
    "FlexBand Resistance Kit", "Lumen 400 Lantern", "GearSling Hip Pack", "BalancePro Yoga Mat",
)

POLICY = {
    "general_discount": (15, 20),
    "product_discount": (5, 8, 10),
    "n_product_discounts": 3,
    "volume_min_quantity": (3, 4),
    "volume_max_pct": (8, 10),
    "min_quantity": (2, 3),
    "max_quantity": (4, 6, 8),
    "n_min_quantity": 2,
    "n_max_quantity": 3,
    "n_exclusive": 2,
    "n_companion": 3,
    "refund_days": (30, 60),
    "credit_max": (25, 50),
    "escalation_hours": (4, 8),
}


def product_faqs(name: str, category: str, company: str, rng) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every candidate FAQ of one product as (question, short answer, body paragraphs)."""
    v = CATEGORIES[category]
    kg, q, a, ctx = SPECS[name]
    out = [(
        q.format(p=name), a,
        (f"In short: {a}. {ctx}",
         f"Full specifications are listed on the product page and in the printed guide that comes with {name}.",
         "If your product does not match these specifications, contact customer care with your order number."),
    )]
    years = rng.choice(v["warranty"])
    out.append((
        f"What warranty comes with {name}?", f"a {years}-year limited warranty",
        (f"{name} comes with a {years}-year limited warranty from the delivery date, covering defects in materials and workmanship.",
         "The warranty does not cover normal wear, accidents, misuse or modifications. Keep the order confirmation as proof of purchase.",
         "To make a claim, contact customer care with your order number and photos of the problem; approved claims are repaired or replaced."),
    ))
    lb = round(kg * 2.2046, 1 if kg < 10 else 0)
    out.append((
        f"How much does {name} weigh?", f"{kg:g} kg ({lb:g} lb)",
        (f"{name} weighs {kg:g} kg ({lb:g} lb) as shipped, without optional accessories.",
         "Packaging adds some weight; the shipping weight is shown at checkout."),
    ))
    mat = rng.choice(v["materials"])
    out.append((
        f"What is {name} made of?", mat,
        (f"{name} is made of {mat}, chosen for {v['about']}.",
         "We publish the full material list, including trims and coatings, on the product page.",
         "None of our products use PFAS-based water repellents."),
    ))
    out.append((
        f"How should I clean and care for {name}?", v["care"].split(",")[0].lower(),
        (v["care"], f"Regular care keeps {name} working as intended and is required to keep the warranty valid."),
    ))
    return out

# Preset-specific phrases used inside shared article templates.
WORDING = {
    "positioning": (
        "lead with fit and comfort, our published specifications and the warranty, and keep the conversation factual",
        "offer a fitting session or product demonstration, point to verified reviews, and explain our warranty and care support",
    ),
    "restructure": "a bundle with accessories, free assembly or a seasonal promotion",
    "trade_for": "a larger bundle, a membership sign-up, a product review or a purchase this week",
    "win_reasons": "in-store fittings, honest sizing advice and fast delivery",
    "evaluation": "Customers who booked a fitting or demonstration bought almost twice as often as those who did not.",
    "min_reason": "The product ships from our warehouse in packs of {q}, and its price is set for that pack size.",
    "refund_alternatives": "troubleshooting, a warranty repair or replacement, or an exchange for a different size or colour",
    "fit_signals": "purchase history, membership and stated activities",
}
