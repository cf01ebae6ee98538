"""eval_done_when runs the user-facing sampler CLI and scores its decoded MP4: one text-to-video seed with the
shipped model must come back as 17 frames of 64² with the prompted red object on the prompted blue background
(what the CLI path can break: argument parsing, the MP4 encode, the decode here).

Run: /usr/bin/python3 -m unittest training.tests.test_eval_done_when
"""
import os
import unittest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from training import eval_done_when as D


class TestDoneWhenThroughTheCli(unittest.TestCase):
    def test_one_seed_of_the_issue_prompt(self):
        seen = {}
        decode = D.decode

        def spy(mp4):
            seen['frames'] = decode(mp4)
            return seen['frames']

        D.decode = spy
        try:
            res = D.main(['--seeds', '1', '--i2v-seeds', '0', '--threads', '2'])
        finally:
            D.decode = decode
        self.assertEqual(seen['frames'].shape, (17, 64, 64, 3))
        self.assertGreater(float(np.std(seen['frames'])), 5.0)  # a picture, not a blank frame
        t = res['t2v'][0]
        self.assertTrue(t['background_ok'] and t['color_ok'], t)
        self.assertEqual(res['i2v_zoom_in'], [])
        self.assertEqual(res['summary']['t2v_red_on_blue_moving_right'][-3:], '/ 1')


if __name__ == '__main__':
    unittest.main()
