"""English and Chinese texts for every header the functions answer.

``text(key, lang)`` looks a key up; ``lang`` is "en" or "zh", and ``None`` takes the
environment variable ``NQP_XL_LANG`` (default "en").  Keys are the English text itself
wherever that is unambiguous, so the English table is the identity.

The one table of the functions' headers.  The workbook's own prose (sheet names, titles, notes)
is a different layer, kept in ``nqp_xl.workbook.template.texts``: the core never imports the
workbook, and a header the functions answer is never a sheet text (see that module's notes).
"""
from __future__ import annotations

import os
from typing import Sequence

from .errors import NQPError

ZH: dict[str, str] = {
    # tables in general
    "Indicator": "指标",
    "Region": "地区",
    "Value": "值",
    "Weight": "权重",
    "Rank": "排名",
    "Contribution %": "贡献率 %",
    # descriptives
    "N": "样本量",
    "Mean": "均值",
    "Std. Dev.": "标准差",
    "Min": "最小值",
    "Max": "最大值",
    # factor analysis
    "KMO": "KMO",
    "MSA": "MSA",
    "Chi-square": "近似卡方",
    "df": "自由度",
    "Sig.": "显著性",
    "Component": "成分",
    "Initial Total": "初始特征值 合计",
    "Initial % of Variance": "初始特征值 方差 %",
    "Initial Cumulative %": "初始特征值 累积 %",
    "Extraction Total": "提取载荷平方和 合计",
    "Extraction % of Variance": "提取载荷平方和 方差 %",
    "Extraction Cumulative %": "提取载荷平方和 累积 %",
    "Rotation Total": "旋转载荷平方和 合计",
    "Rotation % of Variance": "旋转载荷平方和 方差 %",
    "Rotation Cumulative %": "旋转载荷平方和 累积 %",
    "F": "综合得分 F",
    "Grade": "等级",
    "Cluster": "类别",
    "Excellent": "优",
    "Good": "良",
    "Medium": "中",
    "Poor": "差",
    "Grade {n}": "第{n}级",
    # composite indices
    "Entropy e": "信息熵 e",
    "Redundancy d": "冗余度 d",
    "Index": "综合指数",
    "D+": "D+",
    "D-": "D-",
    "C": "C",
    # coupling
    "T": "T",
    "D": "D",
    "Level": "等级序号",
    "Type": "类型",
    "Extreme imbalance": "极度失调",
    "Serious imbalance": "严重失调",
    "Moderate imbalance": "中度失调",
    "Mild imbalance": "轻度失调",
    "On the verge of imbalance": "濒临失调",
    "Barely coordinated": "勉强协调",
    "Primary coordination": "初级协调",
    "Intermediate coordination": "中级协调",
    "Good coordination": "良好协调",
    "Quality coordination": "优质协调",
    "Synchronous": "同步型",
    "lagging": "滞后型",
    # disparity
    "Total": "总体",
    "Within": "组内",
    "Between (net)": "组间净值",
    "Transvariation": "超变密度",
    "Between": "组间",
    "Decomposition": "分解项",
    # simultaneous equations
    "Equation": "方程",
    "Variable": "变量",
    "Coef.": "系数",
    "Std. Err.": "标准误",
    "P>|z|": "P>|z|",
    "P>|t|": "P>|t|",
    "z": "z",
    "t": "t",
    "R-squared": "R²",
    "Version": "版本",
    # panel functions (issue 8)
    "By": "分组",
    "Change": "位次变化",
    "Median": "中位数",
    "Sum": "合计",
    "Count": "个数",
    "List": "列表",
    "First": "首个值",
    "Initial": "初始",
    "Extraction": "提取",
    "R²": "R²",
    "OLS": "OLS",
    "2SLS": "2SLS",
    "3SLS": "3SLS",
    "ireg3": "迭代3SLS",
    "Standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01":
        "括号内为标准误；* p<0.1, ** p<0.05, *** p<0.01",
    # dynamics and spatial (NQP_KDENSITY, NQP_CONVERGENCE, NQP_MARKOV, NQP_MORAN, NQP_LISA)
    "x": "x",
    "Density": "核密度",
    "Year": "年份",
    "CV": "变异系数",
    "Statistic": "统计量",
    "β": "β",
    "Speed λ": "收敛速度 λ",
    "Half-life": "半生命周期",
    "Class": "类型",
    "Lower bound": "下限",
    "Upper bound": "上限",
    "I": "莫兰指数 I",
    "E[I]": "期望 E[I]",
    "Var[I]": "方差 Var[I]",
    "P": "P 值",
    "Ii": "局部莫兰指数 Ii",
    "Pseudo P": "伪 P 值",
    "Quadrant": "象限",
    "Equation": "方程",
    # report helpers (NQP_GAPS, NQP_SORT, NQP_RELABEL)
    "Left out": "剔除",
    "Which": "对象",
    "Blank indicators": "缺失指标",
    "Rows": "行数",
    "Region-year": "地区-年份",
    "None": "无",
    # panel econometrics (NQP_PANELREG, NQP_HAUSMAN, NQP_THRESHOLD, NQP_MEDIATION)
    "[95% Conf.": "[95% 置信区间",
    "Interval]": "区间]",
    "Groups": "地区数",
    "R² within": "组内 R²",
    "R² between": "组间 R²",
    "R² overall": "整体 R²",
    "F (all u_i = 0)": "F 检验 (所有 u_i = 0)",
    "P (all u_i = 0)": "P 值 (所有 u_i = 0)",
    "sigma_u": "σ_u",
    "sigma_e": "σ_e",
    "rho": "ρ",
    "theta": "θ",
    "theta min": "θ 最小值",
    "theta (year)": "θ（年份）",
    "theta (total)": "θ（合计）",
    "sigma_λ": "σ_λ",
    "theta max": "θ 最大值",
    "DK lag": "DK 滞后阶数",
    "Note": "说明",
    "V_b-V_B is not positive definite": "V_b-V_B 非正定",
    "chi2<0: the data fail the asymptotic assumptions of the Hausman test":
        "chi2<0：数据不满足 Hausman 检验的渐近假设",
    "Threshold": "门槛",
    "Estimate": "估计值",
    "SSR": "残差平方和",
    "Indirect effect a·b": "间接效应 a·b",
    "Sobel z": "Sobel z 值",
    "Sobel P": "Sobel P 值",
    "Bootstrap 95% CI low": "Bootstrap 95% 置信区间下限",
    "Bootstrap 95% CI high": "Bootstrap 95% 置信区间上限",
    "Bootstrap replications": "Bootstrap 有效次数",
    "Region FE": "地区固定效应",
    "Year FE": "年份固定效应",
    "Yes": "是",
    "No": "否",
    "FE": "固定效应",
    "TWFE": "双向固定效应",
    "RE": "随机效应",
    "Pooled": "混合 OLS",
    # evaluation extensions (NQP_AHP, NQP_GM11, NQP_GREY, NQP_RSR, NQP_WEIGHTS combined, NQP_GEODETECTOR)
    "Criterion": "准则",
    "λmax": "最大特征根 λmax",
    "CI": "一致性指标 CI",
    "RI": "随机一致性指标 RI",
    "CR": "一致性比率 CR",
    "Consistent (CR < 0.1)": "通过一致性检验 (CR < 0.1)",
    "Yes": "是",
    "No (revise the judgements)": "否（请修改判断矩阵）",
    "Actual": "实际值",
    "Fitted": "拟合值",
    "Residual": "残差",
    "Relative error %": "相对误差 %",
    "Development coefficient a": "发展系数 a",
    "Grey input b": "灰色作用量 b",
    "Variance ratio C": "后验差比 C",
    "Small error probability P": "小误差概率 P",
    "Good (grade 1)": "一级（好）",
    "Qualified (grade 2)": "二级（合格）",
    "Barely qualified (grade 3)": "三级（勉强合格）",
    "Unqualified (grade 4)": "四级（不合格）",
    "Grey relational degree": "灰色关联度",
    "RSR": "秩和比 RSR",
    "Probit": "概率单位 Probit",
    "Fitted RSR": "RSR 估计值",
    "Intercept a": "截距 a",
    "Slope b": "斜率 b",
    "Subjective weight": "主观权重",
    "Entropy weight": "熵值法权重",
    "Factor": "探测因子",
    "q": "q 值",
    "Strata": "分层数",
    "Factor 1": "因子 1",
    "Factor 2": "因子 2",
    "q(X1∩X2)": "交互 q(X1∩X2)",
    "Interaction": "交互作用类型",
    "Nonlinear-weaken": "非线性减弱",
    "Uni-weaken": "单因子非线性减弱",
    "Bi-enhance": "双因子增强",
    "Independent": "独立",
    "Nonlinear-enhance": "非线性增强",
    # spatial Markov and spatial Durbin (NQP_SMARKOV, NQP_SDM)
    "Lag class": "空间滞后类型",
    "Lag lower bound": "空间滞后下限",
    "Lag upper bound": "空间滞后上限",
    "Homogeneity test": "同质性检验",
    "rho (spatial lag)": "ρ（空间自回归系数）",
    "Direct effect": "直接效应",
    "Indirect effect": "间接效应",
    "Total effect": "总效应",
    "Regions": "地区数",
    "Years": "年数",
    "Fixed effects": "固定效应",
    "none": "无",
    "individual": "地区固定效应",
    "time": "时间固定效应",
    "twoways": "双向固定效应",
    "sigma²": "σ²",
    "Log-likelihood": "对数似然值",
    "AIC": "AIC",
    "Simulation draws": "模拟次数",
    "LR test SDM vs SAR": "LR 检验 SDM 对 SAR",
    "LR test SDM vs SEM": "LR 检验 SDM 对 SEM",
}

LANGS = ("en", "zh")


def resolve_lang(lang: str | None) -> str:
    """The language to answer in: the argument, else NQP_XL_LANG, else English."""
    chosen = lang if lang not in (None, "") else os.environ.get("NQP_XL_LANG", "en")
    chosen = str(chosen).strip().lower()
    if chosen in ("cn", "zh-cn", "zh_cn", "chinese", "中文"):
        chosen = "zh"
    if chosen in ("english",):
        chosen = "en"
    if chosen not in LANGS:
        raise NQPError(f'lang "{lang}" is not known; use "en" or "zh"')
    return chosen


def texts(keys: Sequence[str], lang: str | None = "en") -> list[str]:
    """The header texts for ``keys`` in ``lang``, the language resolved once for all of them."""
    lang = resolve_lang(lang)
    return [ZH.get(k, k) for k in keys] if lang == "zh" else list(keys)


def text(key: str, lang: str | None = "en") -> str:
    """The header text for ``key`` in ``lang`` (unknown keys answer themselves)."""
    if lang != "en" and (lang == "zh" or resolve_lang(lang) == "zh"):
        return ZH.get(key, key)
    return key
